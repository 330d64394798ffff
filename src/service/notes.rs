//! What the server noticed about each user's state while serving requests, so that `health`
//! can report it without reading anything: health stays as cheap with 10,000 crontabs as with
//! none. Each note is kept per user and shown only to callers who may act on that user.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct Notes {
    /// Recorder paths in the user's job lines that are not this server's recorder, as of the
    /// latest read or write of that crontab.
    recorders: Mutex<HashMap<String, BTreeSet<String>>>,
    /// Why the user's revision journal could not be written, until a write succeeds again.
    journal: Mutex<HashMap<String, String>>,
}

impl Notes {
    /// Replaces what is known about `user`'s recorders with `foreign` (empty clears it).
    pub fn recorders(&self, user: &str, foreign: BTreeSet<String>) {
        let Ok(mut map) = self.recorders.lock() else {
            return;
        };
        if foreign.is_empty() {
            map.remove(user);
        } else {
            map.insert(user.to_owned(), foreign);
        }
    }

    /// Foreign recorder paths of the users `visible` accepts.
    pub fn recorders_of(&self, visible: impl Fn(&str) -> bool) -> BTreeSet<String> {
        let Ok(map) = self.recorders.lock() else {
            return BTreeSet::new();
        };
        map.iter()
            .filter(|(user, _)| visible(user))
            .flat_map(|(_, paths)| paths.iter().cloned())
            .collect()
    }

    /// Records the outcome of a journal write for `user`.
    pub fn journal(&self, user: &str, outcome: Result<(), String>) {
        let Ok(mut map) = self.journal.lock() else {
            return;
        };
        match outcome {
            Ok(()) => map.remove(user),
            Err(e) => map.insert(user.to_owned(), e),
        };
    }

    /// "USER: why", for each user `visible` accepts whose journal is failing.
    pub fn journal_errors(&self, visible: impl Fn(&str) -> bool) -> Vec<String> {
        let Ok(map) = self.journal.lock() else {
            return Vec::new();
        };
        let mut errors: Vec<String> = map
            .iter()
            .filter(|(user, _)| visible(user))
            .map(|(user, e)| format!("{user}: {e}"))
            .collect();
        errors.sort();
        errors
    }
}
