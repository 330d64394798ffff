//! What a handler may know about the request it answers beyond its params: the connection it
//! came on (to send notifications that belong to the request, such as progress) and whether
//! the client has given up on it (the connection then sends no answer for it).
//!
//! The protocol layer knows no method names here: a handler (MCP's `notifications/cancelled`,
//! say) calls [`Peer::cancel`] with the id it was told, and the responder drops the answer of
//! any request whose token has fired.

use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

/// One connection, as its handlers see it.
#[derive(Clone, Default)]
pub struct Peer {
    /// The connection's writer; `None` in-process, where there is nowhere to notify.
    out: Option<Arc<dyn Fn(String) + Send + Sync>>,
    /// The requests running now, by id as JSON text (`1`, `"a"`).
    running: Arc<Mutex<HashMap<String, CancellationToken>>>,
}

/// The request being answered, as its handler is given it.
#[derive(Clone)]
pub struct InFlight {
    /// Fired when the client cancels this request.
    pub cancelled: CancellationToken,
    pub peer: Peer,
}

impl InFlight {
    /// A request with no connection behind it (in-process use): never cancelled, and its
    /// notifications go nowhere.
    #[cfg(test)]
    pub fn detached() -> Self {
        InFlight {
            cancelled: CancellationToken::new(),
            peer: Peer::default(),
        }
    }
}

/// An id as JSON text, the same however the client spelled it (`1` and `1.0` aside).
pub fn id_key(id: &Value) -> String {
    id.to_string()
}

/// [`id_key`] of an id as sent (JSON text), without parsing it when the text is already what
/// `id_key` would write: a plain integer, or a string with no escapes.
fn raw_key(id: &str) -> Option<String> {
    let bytes = id.as_bytes();
    let integer = !bytes.is_empty() && bytes.len() < 19 && bytes.iter().all(u8::is_ascii_digit);
    let string = bytes.len() >= 2
        && bytes[0] == b'"'
        && bytes[bytes.len() - 1] == b'"'
        && !bytes.contains(&b'\\');
    if integer || string {
        return Some(id.to_owned());
    }
    serde_json::from_str::<Value>(id).ok().map(|v| id_key(&v))
}

impl Peer {
    pub fn new(out: impl Fn(String) + Send + Sync + 'static) -> Self {
        Peer {
            out: Some(Arc::new(out)),
            running: Arc::default(),
        }
    }

    /// Sends a notification on the connection, in order with its answers.
    pub async fn notify(&self, method: &str, params: Value) {
        if let Some(out) = &self.out {
            let message = serde_json::json!({"jsonrpc": "2.0", "method": method, "params": params});
            out(message.to_string());
        }
    }

    /// Fires the token of the running request with this id; an unknown or finished one is
    /// ignored (the client may cancel what has just been answered).
    pub fn cancel(&self, id: &Value) {
        if let Some(token) = self.lock().get(&id_key(id)) {
            token.cancel();
        }
    }

    /// Registers a request as running; its entry goes when the returned guard drops.
    pub(super) fn start(&self, id: Option<&str>) -> (InFlight, Started) {
        let cancelled = CancellationToken::new();
        let key = id.and_then(raw_key);
        if let Some(key) = &key {
            self.lock().insert(key.clone(), cancelled.clone());
        }
        let in_flight = InFlight {
            cancelled: cancelled.clone(),
            peer: self.clone(),
        };
        let started = Started {
            peer: self.clone(),
            key,
            cancelled,
        };
        (in_flight, started)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, CancellationToken>> {
        // A map of tokens: a panic elsewhere cannot leave it half-written.
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running request's registration.
pub(super) struct Started {
    peer: Peer,
    key: Option<String>,
    cancelled: CancellationToken,
}

impl Started {
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.is_cancelled()
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        // Ids of running requests are unique (JSON-RPC asks it of the client).
        if let Some(key) = &self.key {
            self.peer.lock().remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_cancel_reaches_the_running_request_with_that_id_only() {
        let peer = Peer::default();
        let (one, started_one) = peer.start(Some("1"));
        let (text, _started_text) = peer.start(Some("\"a\""));
        peer.cancel(&json!("1"));
        assert!(
            !one.cancelled.is_cancelled(),
            "the string \"1\" is not the number 1"
        );
        peer.cancel(&json!(1));
        assert!(one.cancelled.is_cancelled() && started_one.is_cancelled());
        assert!(!text.cancelled.is_cancelled());
        peer.cancel(&json!("a"));
        assert!(text.cancelled.is_cancelled());
    }

    #[test]
    fn ids_are_keyed_as_id_key_writes_them() {
        for id in ["1", "0", "123456789012345678", "\"a b\"", "\"\"", "\"é\""] {
            let value: Value = serde_json::from_str(id).unwrap();
            assert_eq!(raw_key(id).unwrap(), id_key(&value), "{id}");
        }
        // The rest is parsed: whatever id_key makes of them.
        for id in [
            "1.0",
            "1e3",
            "-0",
            "-7",
            "99999999999999999999",
            r#""\u0061""#,
            r#""a\"b""#,
        ] {
            let value: Value = serde_json::from_str(id).unwrap();
            assert_eq!(raw_key(id).unwrap(), id_key(&value), "{id}");
        }
    }

    #[test]
    fn a_finished_request_is_forgotten() {
        let peer = Peer::default();
        let (first, started) = peer.start(Some("7"));
        drop(started);
        peer.cancel(&json!(7));
        assert!(!first.cancelled.is_cancelled());
        assert!(peer.lock().is_empty());
        // Notifications have no id and are never registered.
        let (_, _started) = peer.start(None);
        assert!(peer.lock().is_empty());
    }
}
