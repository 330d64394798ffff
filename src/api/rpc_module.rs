//! Registers every method on a jsonrpsee `RpcModule`: parse the params struct, check the
//! caller, call the service. Tested with no transport at all, as jsonrpsee's own tests do.

use super::openrpc::RpcDiscover;
use super::{errors, for_each_method, params, Method, Visitor};
use crate::service::{Caller, Service};
use jsonrpsee::{Extensions, RpcModule};
use std::sync::Arc;

struct Register<'a>(&'a mut RpcModule<Service>);

impl Visitor for Register<'_> {
    fn visit<M: Method>(&mut self) {
        self.0
            .register_blocking_method(M::NAME, |raw, service: Arc<Service>, ext: Extensions| {
                // The transport puts the caller in the connection's extensions; without one
                // (in-process use) the caller is the user cronrpc runs as.
                let caller = ext.get::<Caller>().cloned().unwrap_or_else(Caller::current);
                let params =
                    params::parse::<M::Params>(raw.as_str()).map_err(|e| errors::to_rpc(&e))?;
                let span = tracing::debug_span!("call", method = M::NAME, uid = caller.uid);
                let _enter = span.enter();
                tracing::debug!("handling");
                M::call(&service, &caller, params).map_err(|e| {
                    tracing::debug!(code = e.kind.code(), detail = %e.detail, "request failed");
                    errors::to_rpc(&e)
                })
            })
            .expect("method names are unique");
    }
}

/// Every method of the contract, over `service`.
pub fn build(service: Service) -> RpcModule<Service> {
    let mut module = RpcModule::new(service);
    let mut register = Register(&mut module);
    for_each_method(&mut register);
    register.visit::<RpcDiscover>();
    module
}

#[cfg(test)]
mod tests {
    //! The method table with no transport at all, as jsonrpsee's own `RpcModule` tests do.
    use super::*;
    use crate::backend::{Locks, SpoolBackend};
    use serde_json::{json, Value};

    fn module(dir: &std::path::Path) -> RpcModule<Service> {
        let service = Service::new(
            Box::new(SpoolBackend::new(dir)),
            Locks::new(dir.join(".locks")),
            chrono_tz::UTC,
        );
        build(service)
    }

    async fn call(module: &RpcModule<Service>, method: &str, params: Value) -> Value {
        let request =
            json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
        let (response, _) = module.raw_json_request(&request, 1).await.unwrap();
        serde_json::from_str(response.get()).unwrap()
    }

    #[tokio::test]
    async fn every_method_is_registered() {
        let dir = tempfile::tempdir().unwrap();
        let module = module(dir.path());
        let mut names: Vec<&str> = module.method_names().collect();
        names.sort();
        assert_eq!(
            names,
            [
                "crontab.get",
                "crontab.list",
                "crontab.put",
                "crontab.restore",
                "crontab.revisions",
                "entries.adopt",
                "entries.apply",
                "entries.create",
                "entries.delete",
                "entries.get",
                "entries.history",
                "entries.list",
                "entries.run",
                "entries.sweep",
                "entries.update",
                "health",
                "rpc.discover",
                "runs.cancel",
                "runs.get",
                "schedule.describe"
            ]
        );
    }

    #[tokio::test]
    async fn create_then_get_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let module = module(dir.path());
        let created = call(
            &module,
            "entries.create",
            json!({"user": "root", "schedule": "@daily", "command": "true"}),
        )
        .await;
        let id = created["result"]["id"].clone();
        let got = call(&module, "entries.get", json!({"user": "root", "id": id})).await;
        assert_eq!(got["result"], created["result"]);
    }

    #[tokio::test]
    async fn domain_errors_carry_their_code_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let module = module(dir.path());
        let response = call(
            &module,
            "entries.create",
            json!({"user": "root", "schedule": "60 * * * *", "command": "x"}),
        )
        .await;
        let error = &response["error"];
        assert_eq!(error["code"], -32602);
        assert_eq!(error["message"], "Invalid schedule");
        assert_eq!(error["data"]["code"], "INVALID_SCHEDULE");
        assert_eq!(error["data"]["field"], "schedule");
        assert!(error["data"]["detail"].as_str().unwrap().contains("minute"));
    }

    #[tokio::test]
    async fn the_caller_in_the_extensions_is_held_to_its_own_crontab() {
        let dir = tempfile::tempdir().unwrap();
        let mut methods: jsonrpsee::Methods = module(dir.path()).into();
        methods.extensions_mut().insert(Caller {
            uid: 65534,
            name: Some("nobody".into()),
            client: None,
        });
        let request = r#"{"jsonrpc":"2.0","id":1,"method":"crontab.get","params":{"user":"root"}}"#;
        let (response, _) = methods.raw_json_request(request, 1).await.unwrap();
        let response: Value = serde_json::from_str(response.get()).unwrap();
        assert_eq!(response["error"]["data"]["code"], "FORBIDDEN");
        assert_eq!(response["error"]["code"], -32004);
    }
}
