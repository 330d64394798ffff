//! System user names: syntax first (so hostile names never reach a path or an argv), then the
//! user database.

use super::{Error, ErrorKind, Result};

/// The longest name `useradd` allows.
const MAX_LEN: usize = 32;

/// A user name that is safe to use in a file name and as an argument, and names a real user.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: std::path::PathBuf,
    pub shell: std::path::PathBuf,
}

/// Checks the syntax of a user name: the portable set `[A-Za-z0-9_][A-Za-z0-9_.-]*` with an
/// optional trailing `$` (Samba machine accounts), as Debian's `adduser` allows. No `/`, no
/// leading `-` (it would read as an option), no `.` or `..`, nothing outside ASCII.
pub fn check_name(name: &str) -> Result<()> {
    let invalid = |why: &str| {
        Err(Error::new(ErrorKind::InvalidUser, format!("{name:?} {why}")).with_field("user"))
    };
    if name.is_empty() {
        return invalid("is empty");
    }
    if name.len() > MAX_LEN {
        return invalid(&format!("is longer than {MAX_LEN} characters"));
    }
    let body = name.strip_suffix('$').unwrap_or(name);
    let mut chars = body.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !first_ok || !rest_ok {
        return invalid("is not a valid user name (letters, digits, '_', '.', '-'; not starting with '-' or '.')");
    }
    if body.chars().all(|c| c.is_ascii_digit()) {
        return invalid("is all digits, which tools read as a uid");
    }
    Ok(())
}

/// Checks the syntax, then looks the user up in the system user database.
pub fn lookup(name: &str) -> Result<User> {
    check_name(name)?;
    match nix::unistd::User::from_name(name) {
        Ok(Some(u)) => Ok(User {
            name: u.name,
            uid: u.uid.as_raw(),
            gid: u.gid.as_raw(),
            home: u.dir,
            shell: u.shell,
        }),
        Ok(None) => Err(Error::new(
            ErrorKind::UserNotFound,
            format!("no system user named {name:?}"),
        )
        .with_field("user")),
        Err(e) => Err(Error::backend(format!("looking up user {name:?}: {e}"))),
    }
}

/// The name of the user this process runs as.
pub fn current() -> Result<User> {
    let uid = nix::unistd::getuid();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(u)) => lookup(&u.name),
        _ => Err(Error::backend(format!(
            "uid {uid} has no entry in the user database"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        for name in [
            "root",
            "deploy",
            "www-data",
            "_apt",
            "svc.backup",
            "host$",
            "a1",
        ] {
            assert!(check_name(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn refuses_hostile_names() {
        let long = "a".repeat(33);
        for name in [
            "", "../x", "-r", "root\n", "a/b", ".", "..", ".hidden", "jöhn", "a b", "1000", &long,
            "x$$",
        ] {
            let err = check_name(name).unwrap_err();
            assert_eq!(err.kind, ErrorKind::InvalidUser, "{name:?}");
        }
    }

    #[test]
    fn unknown_users_are_not_found() {
        let err = lookup("no-such-user-cronrpc").unwrap_err();
        assert_eq!(err.kind, ErrorKind::UserNotFound);
        assert_eq!(lookup("root").unwrap().uid, 0);
    }
}
