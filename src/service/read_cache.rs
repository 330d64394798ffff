//! Parsed crontabs kept between reads, for `entries.get`: a parse is a pure function of the
//! crontab's text, so each read still reads the whole text from the backend and reuses the
//! parse only when the text is byte for byte the one parsed. A write by anyone (cronrpc, the
//! real `crontab`, an editor) is seen by the next read, however soon it comes; mtimes and
//! inodes, which can repeat within a clock tick or after reuse, are never trusted.

use crate::crontab::{Crontab, Located};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// Text kept in all, at most; past it the cache starts over (one parse each, no harm done).
const MAX_TEXT: usize = 16 * 1024 * 1024;

/// One user's crontab as last parsed: its text, and its managed entries by id.
struct Parsed {
    text: String,
    by_id: HashMap<Uuid, Located>,
}

impl Parsed {
    fn of(text: String) -> Parsed {
        let mut by_id = HashMap::new();
        for located in Crontab::from_text(&text).entries() {
            // The first entry with an id is the one `Crontab::find` finds.
            by_id.entry(located.entry.meta.id).or_insert(located);
        }
        Parsed { text, by_id }
    }
}

#[derive(Default)]
pub struct ReadCache {
    users: Mutex<HashMap<String, Arc<Parsed>>>,
}

impl ReadCache {
    /// The entry `id` of `user`'s crontab, whose text is `text` as just read: what
    /// `Crontab::from_text(&text).find(id)` gives.
    pub fn find(&self, user: &str, text: String, id: Uuid) -> Option<Located> {
        let cached = self.lock().get(user).cloned();
        if let Some(parsed) = cached.filter(|p| p.text == text) {
            return parsed.by_id.get(&id).cloned();
        }
        let parsed = Arc::new(Parsed::of(text));
        let found = parsed.by_id.get(&id).cloned();
        let mut users = self.lock();
        users.remove(user);
        let held: usize = users.values().map(|p| p.text.len()).sum();
        if held + parsed.text.len() > MAX_TEXT {
            users.clear();
        }
        if parsed.text.len() <= MAX_TEXT {
            users.insert(user.to_owned(), parsed);
        }
        found
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Parsed>>> {
        // A map of finished parses: a panic elsewhere cannot leave it half-written.
        self.users.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tab(id: Uuid, name: &str) -> String {
        format!(
            "# cronrpc:v1 {{\"id\":\"{id}\",\"name\":\"{name}\",\"created_at\":\"2024-11-01T10:30:00Z\",\"updated_at\":\"2024-11-01T10:30:00Z\"}}\n0 2 * * * /bin/true\nMAILTO=x\n"
        )
    }

    #[test]
    fn finds_what_a_fresh_parse_finds() {
        let cache = ReadCache::default();
        let id = Uuid::new_v4();
        for text in [tab(id, "a"), tab(id, "a"), tab(id, "b"), String::new()] {
            let fresh = Crontab::from_text(&text).find(id);
            assert_eq!(cache.find("alice", text, id), fresh);
        }
        let text = tab(id, "c");
        assert!(cache.find("alice", text.clone(), Uuid::new_v4()).is_none());
        assert_eq!(
            cache
                .find("alice", text.clone(), id)
                .unwrap()
                .entry
                .meta
                .name,
            Some("c".into())
        );
    }

    #[test]
    fn a_change_of_one_byte_is_seen() {
        let cache = ReadCache::default();
        let id = Uuid::new_v4();
        let first = tab(id, "a");
        assert_eq!(
            cache
                .find("bob", first.clone(), id)
                .unwrap()
                .entry
                .meta
                .name,
            Some("a".into())
        );
        // Same length, same user: only the bytes tell them apart.
        let second = first.replace("\"a\"", "\"b\"");
        assert_eq!(second.len(), first.len());
        assert_eq!(
            cache.find("bob", second, id).unwrap().entry.meta.name,
            Some("b".into())
        );
        // The first marker with an id is the entry, as for a fresh parse.
        let twice = format!("{}{}", tab(id, "one"), tab(id, "two"));
        assert_eq!(
            cache.find("bob", twice.clone(), id),
            Crontab::from_text(&twice).find(id)
        );
    }
}
