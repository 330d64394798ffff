//! The committed schemas match the code, and every response validates against them.

use crate::harness::{repo, BIN};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

fn validator(method: &str) -> &'static jsonschema::Validator {
    static CACHE: OnceLock<Mutex<HashMap<String, &'static jsonschema::Validator>>> =
        OnceLock::new();
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap();
    cache.entry(method.to_owned()).or_insert_with(|| {
        let path = repo().join("schema").join(format!("{method}.result.json"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let schema: Value = serde_json::from_str(&text).unwrap();
        Box::leak(Box::new(
            jsonschema::validator_for(&schema).expect("a valid schema"),
        ))
    })
}

pub fn assert_valid_result(method: &str, result: &Value) {
    if method.contains('/') {
        return; // MCP methods have the MCP schema, checked by the official clients.
    }
    let errors: Vec<String> = validator(method)
        .iter_errors(result)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} result does not match schema/{method}.result.json: {errors:?}\n{result}"
    );
}

#[test]
fn committed_schemas_match_the_code() {
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(BIN)
        .args(["schema", "--out"])
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let committed = repo().join("schema");
    let mut generated: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    generated.sort();
    let mut on_disk: Vec<_> = std::fs::read_dir(&committed)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    on_disk.sort();
    assert_eq!(
        generated, on_disk,
        "schema/ has other files than `cronrpc schema` writes"
    );
    for name in generated {
        let want = std::fs::read_to_string(dir.path().join(&name)).unwrap();
        let have = std::fs::read_to_string(committed.join(&name)).unwrap();
        assert!(
            want == have,
            "schema/{} is stale: run `cargo run -- schema --out schema`",
            name.to_string_lossy()
        );
    }
}

#[test]
fn rpc_discover_returns_the_committed_openrpc_document() {
    let mut server = crate::harness::Server::spool();
    let doc = server.call("rpc.discover", serde_json::json!({}));
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("schema/openrpc.json")).unwrap())
            .unwrap();
    assert_eq!(doc, committed);
    let names: Vec<&str> = doc["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    for method in [
        "entries.list",
        "entries.get",
        "entries.create",
        "entries.update",
        "entries.delete",
        "entries.sweep",
        "entries.run",
        "entries.history",
        "crontab.list",
        "crontab.get",
        "crontab.put",
        "crontab.revisions",
        "crontab.restore",
        "entries.adopt",
        "schedule.describe",
        "health",
        "rpc.discover",
    ] {
        assert!(names.contains(&method), "{method} missing from OpenRPC");
        assert!(
            repo()
                .join(format!("schema/{method}.params.json"))
                .is_file(),
            "{method} params schema"
        );
    }
}
