//! Who is asking, and whose crontabs they may touch.

use crate::domain::{Error, ErrorKind, Result};

/// The party behind a request: the socket peer, or the user cronrpc runs as over stdio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub uid: u32,
    /// The caller's user name, when the user database knows the uid.
    pub name: Option<String>,
    /// The MCP client's name, when the connection's `initialize` gave one: the client's own
    /// claim, recorded beside the author (`client`), never as it.
    pub client: Option<String>,
}

impl Caller {
    pub fn from_uid(uid: u32) -> Self {
        let name = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
            .ok()
            .flatten()
            .map(|u| u.name);
        Caller {
            uid,
            name,
            client: None,
        }
    }

    /// Who a write is recorded as made by: the peer's user, as the kernel vouches for it. The
    /// MCP client's name is the client's own claim, so it never stands in for the author.
    pub fn author(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("uid {}", self.uid))
    }

    /// The user this process runs as.
    pub fn current() -> Self {
        Caller::from_uid(nix::unistd::getuid().as_raw())
    }

    pub fn is_root(&self) -> bool {
        self.uid == 0
    }

    pub fn may_access(&self, user: &str) -> bool {
        self.is_root() || self.name.as_deref() == Some(user)
    }

    /// Root may act on any user; anyone else only on their own crontab.
    pub fn check(&self, user: &str) -> Result<()> {
        if self.may_access(user) {
            return Ok(());
        }
        let who = self
            .name
            .clone()
            .unwrap_or_else(|| format!("uid {}", self.uid));
        Err(Error::new(
            ErrorKind::Forbidden,
            format!("{who} may not act on {user}'s crontab"),
        )
        .with_field("user"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_root_reaches_other_users() {
        let alice = Caller {
            uid: 1000,
            name: Some("alice".into()),
            client: None,
        };
        assert!(alice.check("alice").is_ok());
        assert_eq!(alice.check("root").unwrap_err().kind, ErrorKind::Forbidden);
        let root = Caller {
            uid: 0,
            ..alice.clone()
        };
        assert!(root.check("alice").is_ok());
        let unknown = Caller {
            uid: 4242,
            name: None,
            client: None,
        };
        assert!(unknown.check("alice").is_err());
        assert_eq!(unknown.author(), "uid 4242");
        let agent = Caller {
            client: Some("claude-code".into()),
            ..alice
        };
        assert_eq!(agent.author(), "alice", "a client's name is not its author");
    }
}
