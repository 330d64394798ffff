//! The OpenRPC document, generated from the method table, and `rpc.discover`, which returns it.

use super::{for_each_method, Method, Visitor, READ};
use crate::domain::Result;
use crate::service::crontab::NoParams;
use crate::service::{Context, Service};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::OnceLock;

/// Schemas as JSON Schema draft 2020-12, with shared definitions inlined so each schema file
/// and each MCP `inputSchema` stands alone.
pub fn generator() -> SchemaGenerator {
    let mut settings = schemars::generate::SchemaSettings::draft2020_12();
    settings.inline_subschemas = true;
    settings.into_generator()
}

pub fn schema_of<T: JsonSchema>() -> Schema {
    generator().into_root_schema_for::<T>()
}

/// An OpenRPC document.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct Document(pub Value);

impl JsonSchema for Document {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "OpenRpcDocument".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "type": "object",
            "description": "An OpenRPC 1.3 document describing every method",
            "required": ["openrpc", "info", "methods"],
            "properties": {
                "openrpc": {"type": "string"},
                "info": {"type": "object"},
                "methods": {"type": "array"}
            }
        })
    }
}

pub struct RpcDiscover;

impl Method for RpcDiscover {
    const NAME: &'static str = "rpc.discover";
    const SUMMARY: &'static str = "Return the OpenRPC document of every method.";
    const DESCRIPTION: &'static str = Self::SUMMARY;
    const HINTS: super::Hints = READ;
    const TOOL: bool = false;
    type Params = NoParams;
    type Output = Document;

    fn call(_: &Service, _: &Context, _: NoParams) -> Result<Document> {
        Ok(Document(document().clone()))
    }
}

struct Methods(Vec<Value>);

impl Visitor for Methods {
    fn visit<M: Method>(&mut self) {
        let params = schema_of::<M::Params>();
        let properties = params
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let required: Vec<&str> = params
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let params: Vec<Value> = properties
            .iter()
            .map(|(name, schema)| {
                json!({
                    "name": name,
                    "required": required.contains(&name.as_str()),
                    "schema": schema,
                })
            })
            .collect();
        self.0.push(json!({
            "name": M::NAME,
            "summary": M::SUMMARY,
            "description": M::DESCRIPTION,
            "paramStructure": "by-name",
            "params": params,
            "result": {"name": "result", "schema": schema_of::<M::Output>()},
        }));
    }
}

/// The OpenRPC document, built once.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut methods = Methods(Vec::new());
        for_each_method(&mut methods);
        methods.visit::<RpcDiscover>();
        json!({
            "openrpc": "1.3.2",
            "info": {
                "title": "cronrpc",
                "version": env!("CARGO_PKG_VERSION"),
                "description": "Manage users' crontabs over JSON-RPC 2.0."
            },
            "methods": methods.0,
        })
    })
}
