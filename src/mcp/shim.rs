//! The few jsonrpsee shapes MCP's handlers were written against (`register_method`,
//! `Extensions::get`), served by the protocol layer's `Handler` seam instead of jsonrpsee.
//!
//! `Extensions` here is not a map with a silent default: it holds exactly the caller, the
//! connection's MCP session and the request's `InFlight`, and `get` only finds those three.

use super::Session;
use crate::api::errors::ErrorObject;
use crate::protocol::InFlight;
use crate::service::{Caller, Service};
use futures::future::{BoxFuture, FutureExt};
use serde_json::Value;
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

/// What an MCP method knows of its request beyond its params.
#[derive(Clone)]
pub struct Extensions {
    pub caller: Caller,
    pub session: Session,
    pub in_flight: Option<InFlight>,
}

impl Extensions {
    /// The user cronrpc runs as, on `session`, with no request behind it.
    #[cfg(test)]
    pub fn with_session(session: Session) -> Self {
        Extensions {
            caller: Caller::current(),
            session,
            in_flight: None,
        }
    }

    /// The caller, the session or the request's `InFlight`, by type.
    pub fn get<T: Any>(&self) -> Option<&T> {
        (&self.caller as &dyn Any)
            .downcast_ref::<T>()
            .or_else(|| (&self.session as &dyn Any).downcast_ref::<T>())
            .or_else(|| {
                self.in_flight
                    .as_ref()
                    .and_then(|f| (f as &dyn Any).downcast_ref::<T>())
            })
    }
}

/// A request's params as sent (an object or an array), if any.
#[derive(Clone)]
pub struct Params(Option<String>);

impl Params {
    pub fn new(raw: Option<String>) -> Params {
        Params(raw)
    }

    pub fn as_str(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// What a handler may return: a value, or a value or an error.
pub trait IntoReply {
    fn into_reply(self) -> Result<Value, ErrorObject>;
}

impl IntoReply for Value {
    fn into_reply(self) -> Result<Value, ErrorObject> {
        Ok(self)
    }
}

impl IntoReply for Result<Value, ErrorObject> {
    fn into_reply(self) -> Result<Value, ErrorObject> {
        self
    }
}

type Entry = Arc<
    dyn Fn(Params, Arc<Service>, Extensions) -> BoxFuture<'static, Result<Value, ErrorObject>>
        + Send
        + Sync,
>;

/// MCP's methods by name, over one service.
pub struct RpcModule<S> {
    service: Arc<S>,
    methods: HashMap<&'static str, Entry>,
}

/// Registering a name twice.
#[derive(Debug)]
pub struct Taken;

impl RpcModule<Service> {
    pub fn new(service: Arc<Service>) -> Self {
        RpcModule {
            service,
            methods: HashMap::new(),
        }
    }

    pub fn has(&self, method: &str) -> bool {
        self.methods.contains_key(method)
    }

    pub fn register_method<R: IntoReply + 'static>(
        &mut self,
        name: &'static str,
        f: impl Fn(Params, &Service, &Extensions) -> R + Send + Sync + 'static,
    ) -> Result<(), Taken> {
        let entry: Entry = Arc::new(move |params, service, ext| {
            let reply = f(params, &service, &ext).into_reply();
            async move { reply }.boxed()
        });
        self.insert(name, entry)
    }

    pub fn register_async_method<F, R>(
        &mut self,
        name: &'static str,
        f: impl Fn(Params, Arc<Service>, Extensions) -> F + Send + Sync + 'static,
    ) -> Result<(), Taken>
    where
        F: Future<Output = R> + Send + 'static,
        R: IntoReply + 'static,
    {
        let entry: Entry = Arc::new(move |params, service, ext| {
            f(params, service, ext).map(R::into_reply).boxed()
        });
        self.insert(name, entry)
    }

    fn insert(&mut self, name: &'static str, entry: Entry) -> Result<(), Taken> {
        match self.methods.insert(name, entry) {
            None => Ok(()),
            Some(_) => Err(Taken),
        }
    }

    /// Calls `method`; `None` if it is not registered.
    pub fn call(
        &self,
        method: &str,
        params: Params,
        ext: Extensions,
    ) -> Option<BoxFuture<'static, Result<Value, ErrorObject>>> {
        let entry = self.methods.get(method)?;
        Some(entry(params, self.service.clone(), ext))
    }
}
