//! One call's context: who is asking, and the signal a method gives once its effect is taken.
//!
//! A connection reads its own writes: a request that may change a crontab or start a run holds
//! back the requests after it on the same connection until its effect is taken. For most
//! methods that is when they return. `entries.run` (wait: true) takes effect when the run has
//! *started*, so it calls [`Context::effect_taken`] then, and the connection goes on (a later
//! `runs.cancel`, or any read, is not held behind a long run).

use super::Caller;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// Who is asking, plus the call's effect signal. Derefs to the [`Caller`], so a service
/// function that needs only the caller takes `&Caller` and is handed `&Context` as is.
#[derive(Debug, Clone)]
pub struct Context {
    pub caller: Caller,
    effect: Effect,
}

impl Context {
    /// A call nobody waits on (in-process use, the sweeper, tests).
    pub fn new(caller: Caller) -> Self {
        Context {
            caller,
            effect: Effect::default(),
        }
    }

    /// A call whose effect `effect` reports.
    pub fn with_effect(caller: Caller, effect: Effect) -> Self {
        Context { caller, effect }
    }

    /// The method's effect is taken (its write is done, its run has started): requests after
    /// it on the connection may start now. Calling it again, or returning, does nothing more.
    pub fn effect_taken(&self) {
        self.effect.fire();
    }
}

impl Deref for Context {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

/// The sending half of an effect signal. It fires once: on [`Effect::fire`], or when the last
/// clone is dropped (the call returned or was abandoned), whichever comes first.
#[derive(Debug, Clone, Default)]
pub struct Effect(Option<Arc<Mutex<Option<oneshot::Sender<()>>>>>);

/// Resolves once the paired [`Effect`] fired or was dropped.
#[derive(Debug)]
pub struct EffectTaken(oneshot::Receiver<()>);

impl Effect {
    pub fn channel() -> (Effect, EffectTaken) {
        let (tx, rx) = oneshot::channel();
        (
            Effect(Some(Arc::new(Mutex::new(Some(tx))))),
            EffectTaken(rx),
        )
    }

    pub fn fire(&self) {
        if let Some(cell) = &self.0 {
            // A poisoned lock still holds a sender or None; either way firing is safe.
            let sender = cell.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(sender) = sender {
                let _ = sender.send(());
            }
        }
    }
}

impl std::future::Future for EffectTaken {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        // Fired or dropped: either way the effect can no longer be waited for.
        std::pin::Pin::new(&mut self.0).poll(cx).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn fires_on_demand_or_on_drop() {
        let (effect, taken) = Effect::channel();
        let ctx = Context::with_effect(Caller::from_uid(0), effect);
        ctx.effect_taken();
        ctx.effect_taken();
        taken.await;

        let (effect, taken) = Effect::channel();
        let ctx = Context::with_effect(Caller::from_uid(0), effect);
        let copy = ctx.clone();
        drop(ctx);
        let mut taken = Box::pin(taken);
        assert!(
            futures::poll!(&mut taken).is_pending(),
            "a clone still holds it"
        );
        drop(copy);
        taken.await;
    }

    #[test]
    fn derefs_to_the_caller() {
        let ctx = Context::new(Caller::from_uid(0));
        let check = |caller: &Caller| caller.is_root();
        assert!(check(&ctx));
    }
}
