//! `cronrpc schema --out DIR`: a params and a result schema per method, and `openrpc.json`.

use super::openrpc::{document, schema_of, RpcDiscover};
use super::{for_each_method, Method, Visitor};
use std::collections::BTreeMap;
use std::path::Path;

struct Files(BTreeMap<String, String>);

impl Visitor for Files {
    fn visit<M: Method>(&mut self) {
        self.0.insert(
            format!("{}.params.json", M::NAME),
            pretty(&schema_of::<M::Params>()),
        );
        self.0.insert(
            format!("{}.result.json", M::NAME),
            pretty(&schema_of::<M::Output>()),
        );
    }
}

fn pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("schemas serialize") + "\n"
}

/// Every schema file, by file name.
pub fn files() -> BTreeMap<String, String> {
    let mut files = Files(BTreeMap::new());
    for_each_method(&mut files);
    files.visit::<RpcDiscover>();
    files.0.insert("openrpc.json".into(), pretty(document()));
    files.0
}

pub fn write(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, content) in files() {
        std::fs::write(dir.join(name), content)?;
    }
    Ok(())
}
