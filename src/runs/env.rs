//! The environment and identity cron gives a job (Debian cron's entry.c and do_command.c).

use crate::domain::user::User;
use crate::domain::{Error, ErrorKind, Result};
use nix::unistd::{Gid, Uid};

pub const DEFAULT_SHELL: &str = "/bin/sh";
/// cron's _PATH_DEFPATH.
pub const DEFAULT_PATH: &str = "/usr/bin:/bin";

/// The job's environment: the crontab's variables above its line, then SHELL, HOME and PATH
/// where the crontab does not set them, and LOGNAME and USER always from the user database.
pub fn cron_env(crontab_vars: Vec<(String, String)>, user: &User) -> Vec<(String, String)> {
    let mut env = crontab_vars;
    let mut set_default = |name: &str, value: String| {
        if !env.iter().any(|(n, _)| n == name) {
            env.push((name.to_owned(), value));
        }
    };
    set_default("SHELL", DEFAULT_SHELL.to_owned());
    set_default("HOME", user.home.to_string_lossy().into_owned());
    set_default("PATH", DEFAULT_PATH.to_owned());
    for name in ["LOGNAME", "USER"] {
        env.retain(|(n, _)| n != name);
        env.push((name.to_owned(), user.name.clone()));
    }
    env
}

pub fn get<'a>(env: &'a [(String, String)], name: &str) -> Option<&'a str> {
    env.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// Who the child becomes: the user's uid, primary gid and supplementary groups.
#[derive(Debug, Clone)]
pub struct Identity {
    pub uid: Uid,
    pub gid: Gid,
    pub groups: Vec<Gid>,
}

impl Identity {
    /// None when this process already is the user; FORBIDDEN when it is neither the user nor
    /// root, since it could not switch.
    pub fn for_user(user: &User) -> Result<Option<Identity>> {
        let me = nix::unistd::geteuid();
        if me.as_raw() == user.uid && nix::unistd::getuid() == me {
            return Ok(None);
        }
        if !me.is_root() {
            return Err(Error::new(
                ErrorKind::Forbidden,
                format!(
                    "cronrpc runs as uid {me} and cannot run commands as {}",
                    user.name
                ),
            )
            .with_field("user"));
        }
        let name = std::ffi::CString::new(user.name.as_str())
            .map_err(|_| Error::backend("user name contains NUL"))?;
        let gid = Gid::from_raw(user.gid);
        // Computed here: the child may only make plain system calls between fork and exec.
        let groups = nix::unistd::getgrouplist(&name, gid)
            .map_err(|e| Error::backend(format!("reading {}'s groups: {e}", user.name)))?;
        Ok(Some(Identity {
            uid: Uid::from_raw(user.uid),
            gid,
            groups,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crontab::Crontab;

    fn user() -> User {
        User {
            name: "deploy".into(),
            uid: 1000,
            gid: 1000,
            home: "/home/deploy".into(),
            shell: "/bin/bash".into(),
        }
    }

    #[test]
    fn defaults_like_cron() {
        let env = cron_env(Vec::new(), &user());
        assert_eq!(get(&env, "SHELL"), Some("/bin/sh"), "not the login shell");
        assert_eq!(get(&env, "HOME"), Some("/home/deploy"));
        assert_eq!(get(&env, "PATH"), Some("/usr/bin:/bin"));
        assert_eq!(get(&env, "LOGNAME"), Some("deploy"));
        assert_eq!(get(&env, "USER"), Some("deploy"));
    }

    #[test]
    fn crontab_variables_above_the_job_count_and_later_ones_win() {
        let tab = Crontab::from_text(
            "SHELL=/bin/bash\nA=1\nA=\"two\"\nLOGNAME=evil\nHOME=/srv\n# c\n* * * * * job\nB=below\n",
        );
        let env = cron_env(tab.env_above(6), &user());
        assert_eq!(get(&env, "SHELL"), Some("/bin/bash"));
        assert_eq!(get(&env, "A"), Some("two"));
        assert_eq!(get(&env, "HOME"), Some("/srv"));
        assert_eq!(
            get(&env, "LOGNAME"),
            Some("deploy"),
            "cron always sets LOGNAME"
        );
        assert_eq!(get(&env, "B"), None, "a line below the job does not count");
        assert_eq!(env.iter().filter(|(n, _)| n == "A").count(), 1);
    }
}
