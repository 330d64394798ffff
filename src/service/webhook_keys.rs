//! Giving each user the key their jobs sign webhooks with, derived from the server's secret
//! (`crate::notify::sign` says how and where). The recorder runs as the user with no server,
//! so the key must wait in the user's history directory before cron starts a job.

use super::Service;
use crate::domain::user::User;
use crate::notify::sign::{self, Key};

impl Service {
    /// Signs users' webhooks with keys derived from `secret`; None leaves them unsigned.
    pub fn with_webhook_secret(mut self, secret: Option<Vec<u8>>) -> Self {
        self.webhook_secret = secret;
        self
    }

    /// Writes the user's key into their (prepared) history directory. A failure only costs the
    /// signature, and is logged.
    pub(super) fn provision_webhook_key(&self, user: &User) {
        let Some(secret) = &self.webhook_secret else {
            return;
        };
        let key = Key::derive(secret, &user.name);
        if let Err(e) = sign::provision(self.history.root(), user.uid, user.gid, &user.name, &key) {
            tracing::warn!(user = %user.name, "writing the webhook key: {e}");
        }
    }
}
