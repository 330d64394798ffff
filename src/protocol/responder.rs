//! Answers the messages of one connection: each request goes to the method table (or to the
//! connection's [`Handler`], for MCP's methods), in the connection's write order.

use super::envelope::{self, Id, Member, Message, Request};
use super::handler::{Handler, Job, Reply};
use super::in_flight::{InFlight, Peer};
use crate::api::errors::{ErrorObject, ProtocolError};
use crate::api::router::Route;
use crate::api::{Order, Router};
use crate::service::context::{Effect, EffectTaken};
use crate::service::{Caller, Context};
use futures::future::{BoxFuture, FutureExt, Shared};
use futures::stream::{FuturesUnordered, StreamExt};
use serde_json::value::RawValue;
use std::sync::Arc;

/// Batches larger than this are refused whole: a client that needs more sends more lines.
pub const MAX_BATCH: usize = 1000;

/// The largest answer written as one line (a batch's answers together), in bytes. A crontab is
/// at most cron's 10,000 lines, so one `crontab.get` fits; a batch of many does not, and its
/// members past the limit get ANSWER_TOO_LARGE instead of the server holding gigabytes.
pub const MAX_ANSWER: usize = 16 * 1024 * 1024;

/// One connection's write order: a request that may change a crontab or start a run holds
/// back every request after it until its effect is taken; reads may overlap each other.
#[derive(Default)]
pub struct WriteOrder {
    last: Option<Shared<EffectTaken>>,
}

/// What a request waits for before it starts, and the signal it gives once its effect is taken.
struct Ticket {
    wait: Option<Shared<EffectTaken>>,
    effect: Effect,
}

impl WriteOrder {
    fn ticket(&mut self, order: Order) -> Ticket {
        if self.last.as_ref().is_some_and(|last| last.peek().is_some()) {
            self.last = None;
        }
        match order {
            Order::Control => Ticket {
                wait: None,
                effect: Effect::default(),
            },
            Order::Read => Ticket {
                wait: self.last.clone(),
                effect: Effect::default(),
            },
            Order::Write => {
                let (effect, taken) = Effect::channel();
                Ticket {
                    wait: self.last.replace(taken.shared()),
                    effect,
                }
            }
        }
    }
}

/// Answers the messages of one connection, on behalf of its caller.
#[derive(Clone)]
pub struct Responder {
    router: Router,
    /// Shared by the requests in flight: each clones it once, into its own context.
    caller: Arc<Caller>,
    handler: Option<Arc<dyn Handler>>,
    max_answer: usize,
    /// The connection, as handlers see it (cancellations, notifications).
    peer: Peer,
}

impl Responder {
    pub fn new(router: Router, caller: Caller, handler: Option<Arc<dyn Handler>>) -> Self {
        Responder {
            router,
            caller: Arc::new(caller),
            handler,
            max_answer: MAX_ANSWER,
            peer: Peer::default(),
        }
    }

    /// The connection's side handlers see: notifications go to `peer`'s writer.
    pub fn with_peer(mut self, peer: Peer) -> Self {
        self.peer = peer;
        self
    }

    /// The same responder with another answer limit.
    #[cfg(test)]
    pub fn with_max_answer(mut self, max_answer: usize) -> Self {
        self.max_answer = max_answer;
        self
    }

    /// The answer to one line on its own (no earlier writes to wait for).
    pub async fn handle(&self, line: &[u8]) -> Option<String> {
        self.plan(line, &mut WriteOrder::default()).await
    }

    /// The answer to one line, taking its place in `order` now: the returned future waits for
    /// the writes before it, and later lines wait for its writes.
    pub fn plan(&self, line: &[u8], order: &mut WriteOrder) -> BoxFuture<'static, Option<String>> {
        match envelope::parse(line) {
            None => async { None }.boxed(),
            Some(Message::Refused(kind, detail)) => {
                let answer = envelope::null_error(kind, detail);
                async move { Some(answer) }.boxed()
            }
            Some(Message::Single(member)) => {
                let job = self.member(member, order);
                async move { job.await.1 }.boxed()
            }
            Some(Message::Batch(members)) if members.len() > MAX_BATCH => {
                let detail = format!(
                    "batch of {} messages; the limit is {MAX_BATCH}",
                    members.len()
                );
                let answer = envelope::null_error(ProtocolError::InvalidRequest, detail);
                async move { Some(answer) }.boxed()
            }
            // Batches stay plain JSON-RPC on an MCP session too: MCP 2025-06-18 dropped them,
            // but a JSON-RPC host sharing the stream may still send one.
            Some(Message::Batch(members)) => {
                let jobs: FuturesUnordered<_> =
                    members.into_iter().map(|m| self.member(m, order)).collect();
                let max = self.max_answer;
                batch(jobs, max).boxed()
            }
        }
    }

    /// Who answers `request`, and how it is ordered on the connection: decided once, when the
    /// connection reads it (the handler parses its params then; the method table's methods
    /// parse theirs when they run).
    fn accept(&self, request: Request) -> (Order, Answerer) {
        let request = match &self.handler {
            Some(handler) => match handler.accept(request) {
                Ok(accepted) => return (accepted.order, Answerer::Handler(accepted.job)),
                Err(request) => request,
            },
            None => request,
        };
        match self.router.route(&request.method) {
            Some(route) => (route.hints.order(), Answerer::Method(route, request.params)),
            // An unknown method changes nothing and waits for nothing.
            None => (Order::Control, Answerer::Unknown(request.method)),
        }
    }

    /// One member's job: its id (null when unknown) and its answer, if any.
    fn member(
        &self,
        member: Member,
        order: &mut WriteOrder,
    ) -> BoxFuture<'static, (Id, Option<String>)> {
        let mut request = match member {
            Ok(request) => request,
            Err(detail) => {
                let answer = envelope::null_error(ProtocolError::InvalidRequest, detail);
                return async move { (Id::null(), Some(answer)) }.boxed();
            }
        };
        // The id stays here: the answer is written around it, and the handler never needs it.
        let id = request.id.take();
        let (kind, answerer) = self.accept(request);
        let ticket = order.ticket(kind);
        let this = self.clone();
        async move {
            if let Some(wait) = ticket.wait {
                wait.await;
            }
            let (in_flight, started) = this.peer.start(id.as_ref().map(|id| id.as_raw().get()));
            let reply = this.reply(answerer, ticket.effect, in_flight).await;
            // The client gave up on it (MCP's notifications/cancelled): it expects no answer.
            if started.is_cancelled() {
                return (Id::null(), None);
            }
            drop(started);
            let Some(id) = id else {
                return (Id::null(), None);
            };
            let answer = match reply {
                None => None,
                Some(Ok(result)) => Some(envelope::result(id.as_raw(), &result)),
                Some(Err(error)) => Some(envelope::error(id.as_raw(), &error)),
            };
            match answer {
                Some(answer) if answer.len() > this.max_answer => {
                    let answer = too_large(&id, answer.len(), this.max_answer);
                    (id, Some(answer))
                }
                answer => (id, answer),
            }
        }
        .boxed()
    }

    async fn reply(&self, answerer: Answerer, effect: Effect, in_flight: InFlight) -> Reply {
        let mut caller = Caller::clone(&self.caller);
        caller.client = self.handler.as_ref().and_then(|h| h.client_name());
        let ctx = Context::with_effect(caller, effect);
        match answerer {
            Answerer::Handler(job) => job(ctx, in_flight).await,
            Answerer::Method(route, params) => {
                Some(self.router.call_json(route, ctx, params).await)
            }
            Answerer::Unknown(method) => {
                let detail = format!("no method named {method:?}");
                Some(Err(ProtocolError::MethodNotFound.object(detail)))
            }
        }
    }
}

/// Who answers a request, as [`Responder::accept`] decided.
enum Answerer {
    /// The handler took it, params parsed.
    Handler(Job),
    /// A method of the table, with its params as sent (the method parses them).
    Method(Route, Option<Box<RawValue>>),
    /// Neither knows this method.
    Unknown(String),
}

fn too_large(id: &Id, size: usize, max: usize) -> String {
    let error: ErrorObject = ProtocolError::AnswerTooLarge.object(format!(
        "the answer would be {size} bytes; the limit is {max}: ask for less per request or batch"
    ));
    envelope::error(id.as_raw(), &error)
}

/// Every member's answer, in the order they finish (JSON-RPC lets a batch answer come in any
/// order), within `max` bytes in all; nothing at all when every member was a notification.
async fn batch(
    mut jobs: FuturesUnordered<BoxFuture<'static, (Id, Option<String>)>>,
    max: usize,
) -> Option<String> {
    let mut out = String::from("[");
    let mut any = false;
    while let Some((id, answer)) = jobs.next().await {
        let Some(mut answer) = answer else { continue };
        if out.len() + answer.len() + 2 > max {
            answer = too_large(&id, out.len() + answer.len() + 2, max);
        }
        if any {
            out.push(',');
        }
        out.push_str(&answer);
        any = true;
    }
    out.push(']');
    any.then_some(out)
}

#[cfg(test)]
#[path = "responder_tests.rs"]
mod tests;
