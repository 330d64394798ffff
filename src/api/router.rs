//! The typed router: the method table as a map from name to route, called directly by every
//! entry point (the wire responder, MCP `tools/call`, the CLI in-process, tests).
//!
//! Typed params go in and a typed result comes out ([`Router::call`]); for a request off the
//! wire, [`Router::call_json`] parses the params once into the method's params struct and
//! serializes the result once. No JSON text is passed between layers in between.
//!
//! jsonrpsee is gone: it took one request as JSON text with a u64 or string id, so every entry
//! point re-serialized requests with a fake id and parsed the reply back, and the caller had
//! to ride in an extensions map with a silent default. What is left of JSON-RPC (the envelope,
//! batches, notifications) is a few dozen lines in `crate::protocol`.

use super::errors::{ErrorObject, ProtocolError};
use super::openrpc::RpcDiscover;
use super::{errors, for_each_method, params, Hints, Inline, Method, Visitor};
use crate::domain::{Error, Result};
use crate::service::{Context, Service};
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// One method as the router calls it.
#[derive(Clone, Copy)]
pub struct Route {
    pub name: &'static str,
    pub hints: Hints,
    call: fn(&Service, &Context, Option<&str>) -> Result<Box<RawValue>>,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route").field("name", &self.name).finish()
    }
}

/// Params as sent; absent, `{}` and `[]` all mean none.
fn raw(params: &Option<Box<RawValue>>) -> Option<&str> {
    params
        .as_deref()
        .map(RawValue::get)
        .filter(|p| !is_empty_array(p))
}

fn panicked(route: Route, e: impl std::fmt::Display) -> ErrorObject {
    tracing::error!(method = route.name, error = %e, "the method panicked");
    ProtocolError::Internal.object(format!("{} failed: {e}", route.name))
}

fn call_json<M: Method>(
    service: &Service,
    ctx: &Context,
    raw: Option<&str>,
) -> Result<Box<RawValue>> {
    let params = params::parse::<M::Params>(raw)?;
    let span = tracing::debug_span!("call", method = M::NAME, uid = ctx.caller.uid);
    let _enter = span.enter();
    tracing::debug!("handling");
    let output = M::call(service, ctx, params).inspect_err(|e| {
        tracing::debug!(code = e.kind.code(), detail = %e.detail, "request failed");
    })?;
    serde_json::value::to_raw_value(&output)
        .map_err(|e| Error::backend(format!("the result does not serialize: {e}")))
}

struct Collect(HashMap<&'static str, Route>);

impl Visitor for Collect {
    fn visit<M: Method>(&mut self) {
        let route = Route {
            name: M::NAME,
            hints: M::HINTS,
            call: call_json::<M>,
        };
        assert!(self.0.insert(M::NAME, route).is_none(), "{} twice", M::NAME);
    }
}

/// How many calls of one caller (by uid) run at once, across all its connections and inside
/// batches: one user's thousand-request batch cannot take the blocking pool from everyone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shares {
    /// Quick calls (everything but long ones) of one non-root caller.
    pub quick: usize,
    /// Long calls (`entries.run` waiting for its job) of one non-root caller, counted apart so
    /// that the caller's quick calls stay answerable while runs wait.
    pub long: usize,
    /// Root's shares are this many times larger: root serves every user.
    pub root_factor: usize,
}

impl Default for Shares {
    fn default() -> Self {
        Shares {
            quick: 16,
            long: 8,
            root_factor: 4,
        }
    }
}

struct Inner {
    service: Arc<Service>,
    routes: HashMap<&'static str, Route>,
    shares: Shares,
    /// One semaphore per (uid, long); uids are bounded by the user database.
    held: Mutex<HashMap<(u32, bool), Arc<Semaphore>>>,
}

/// The method table over one service. Clones share everything.
#[derive(Clone)]
pub struct Router(Arc<Inner>);

impl Router {
    pub fn new(service: Service) -> Router {
        Router::with_shares(service, Shares::default())
    }

    pub fn with_shares(service: Service, shares: Shares) -> Router {
        let mut collect = Collect(HashMap::new());
        for_each_method(&mut collect);
        collect.visit::<RpcDiscover>();
        Router(Arc::new(Inner {
            service: Arc::new(service),
            routes: collect.0,
            shares,
            held: Mutex::default(),
        }))
    }

    /// The route of `method`, if there is such a method.
    pub fn route(&self, method: &str) -> Option<Route> {
        self.0.routes.get(method).copied()
    }

    /// Every method name, unordered.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.routes.keys().copied()
    }

    /// Calls `M` with typed params, in this thread (it blocks).
    pub fn call<M: Method>(&self, ctx: &Context, params: M::Params) -> Result<M::Output> {
        M::call(&self.0.service, ctx, params)
    }

    /// Calls `route` with its params as sent (absent, `{}` and `[]` all mean none), on the
    /// blocking pool, within the caller's share.
    pub async fn call_json(
        &self,
        route: Route,
        ctx: Context,
        params: Option<Box<RawValue>>,
    ) -> std::result::Result<Box<RawValue>, ErrorObject> {
        let inline = match route.hints.inline {
            Inline::Never => false,
            Inline::LocalReads => self.0.service.reads_locally(),
            Inline::Always => true,
        };
        if inline {
            // Memory alone, or a few reads of small local files: handing them to the blocking
            // pool and back costs more than the call. It takes no share (it never holds a pool thread), and
            // it spends the task's cooperative budget, so a batch of many yields in between.
            tokio::task::consume_budget().await;
            let call = || (route.call)(&self.0.service, &ctx, raw(&params));
            return match std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)) {
                Ok(answer) => answer.map_err(|e| errors::to_rpc(&e)),
                Err(payload) => {
                    let message = payload
                        .downcast_ref::<&str>()
                        .map(|m| m.to_string())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    Err(panicked(route, format!("panicked: {message}")))
                }
            };
        }
        let _permit = self.permit(ctx.caller.uid, route.hints.long).await;
        let router = self.clone();
        let answer = tokio::task::spawn_blocking(move || {
            (route.call)(&router.0.service, &ctx, raw(&params))
        })
        .await;
        match answer {
            Ok(answer) => answer.map_err(|e| errors::to_rpc(&e)),
            Err(e) => Err(panicked(route, e)),
        }
    }

    /// Runs `f` on the blocking pool within `uid`'s share, as [`Router::call_json`] runs a
    /// method: for entry points that call the typed methods themselves (MCP's tools and tasks),
    /// so that a batch of those cannot take the pool from other callers either.
    pub async fn blocking<T: Send + 'static>(
        &self,
        uid: u32,
        long: bool,
        f: impl FnOnce(&Service) -> T + Send + 'static,
    ) -> std::result::Result<T, tokio::task::JoinError> {
        let _permit = self.permit(uid, long).await;
        let router = self.clone();
        tokio::task::spawn_blocking(move || f(&router.0.service)).await
    }

    async fn permit(&self, uid: u32, long: bool) -> OwnedSemaphorePermit {
        let semaphore = {
            let mut held = self.0.held.lock().unwrap_or_else(|e| e.into_inner());
            let shares = self.0.shares;
            held.entry((uid, long))
                .or_insert_with(|| {
                    let share = if long { shares.long } else { shares.quick };
                    let factor = if uid == 0 { shares.root_factor } else { 1 };
                    Arc::new(Semaphore::new((share * factor).max(1)))
                })
                .clone()
        };
        semaphore.acquire_owned().await.expect("never closed")
    }
}

/// `[]`: params by position, none of them, which means no params.
fn is_empty_array(raw: &str) -> bool {
    raw.strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .is_some_and(|inside| inside.trim().is_empty())
}

#[cfg(test)]
#[path = "router_tests.rs"]
mod tests;
