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
