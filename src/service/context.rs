//! Who a write is made for and by which method, for the revision journal.
//!
//! Service functions take `(caller, params)`, and the method table keeps that signature for
//! every method; the journal's `by` and `summary` are bookkeeping about the request, not inputs
//! to the operation. So the method table sets them here for the duration of one call. Methods
//! run on a blocking thread from start to end, so a thread-local is exactly one request.

use std::cell::RefCell;

#[derive(Debug, Clone)]
pub struct Context {
    pub method: &'static str,
    /// The revision journal's `by`.
    pub by: String,
    /// Set by a method that knows more than the diff shows (e.g. which revision it restored).
    pub note: Option<String>,
}

thread_local! {
    static CURRENT: RefCell<Option<Context>> = const { RefCell::new(None) };
}

/// Runs `f` with `context` as the current request's.
pub fn scope<T>(context: Context, f: impl FnOnce() -> T) -> T {
    struct Reset(Option<Context>);
    impl Drop for Reset {
        fn drop(&mut self) {
            let previous = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = previous);
        }
    }
    let previous = CURRENT.with(|c| c.borrow_mut().replace(context));
    let _reset = Reset(previous);
    f()
}

pub fn current() -> Option<Context> {
    CURRENT.with(|c| c.borrow().clone())
}

pub fn set_note(note: String) {
    CURRENT.with(|c| {
        if let Some(context) = c.borrow_mut().as_mut() {
            context.note = Some(note);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_nest_and_reset() {
        assert!(current().is_none());
        let ctx = |by: &str| Context {
            method: "m",
            by: by.into(),
            note: None,
        };
        scope(ctx("outer"), || {
            scope(ctx("inner"), || {
                set_note("n".into());
                assert_eq!(current().unwrap().note.as_deref(), Some("n"));
            });
            assert_eq!(current().unwrap().by, "outer");
        });
        assert!(current().is_none());
    }
}
