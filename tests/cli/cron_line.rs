//! Running an installed job line the way cron does: the command cron reads from the line, run
//! as the user through `sh -c` with cron's environment, stdout and stderr into one pipe (what
//! cron mails).

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The command cron would run for the entry's job line: after the five fields, up to the first
/// unescaped `%`, with `\%` read as `%`.
pub fn job_command(crontab: &str, id: &str) -> String {
    let mut lines = crontab.lines();
    lines
        .by_ref()
        .find(|l| l.starts_with("# cronrpc:v1 ") && l.contains(id))
        .expect("the entry's marker");
    let job = lines.next().expect("the job line");
    let mut rest = job;
    for _ in 0..5 {
        rest = rest.trim_start().split_once([' ', '\t']).unwrap().1;
    }
    let mut command = String::new();
    let mut chars = rest.trim_start().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'%') => command.push(chars.next().unwrap()),
            '%' => break,
            c => command.push(c),
        }
    }
    command
}

pub struct CronRun {
    pub code: Option<i32>,
    /// stdout and stderr as cron mails them: one pipe.
    pub mail: String,
    pub took: Duration,
}

/// Runs `command` as cron does for `user`.
pub fn run_as_cron(user: &str, command: &str) -> CronRun {
    let pw = nix::unistd::User::from_name(user).unwrap().unwrap();
    let (read, write) = nix::unistd::pipe().unwrap();
    let began = Instant::now();
    let (uid, gid) = (pw.uid, pw.gid);
    let mut command_ = Command::new("/bin/sh");
    // SAFETY: only async-signal-safe system calls run between fork and exec.
    unsafe {
        command_.pre_exec(move || {
            nix::unistd::setgroups(&[gid])?;
            nix::unistd::setgid(gid)?;
            nix::unistd::setuid(uid)?;
            Ok(())
        });
    }
    let mut child = command_
        .arg("-c")
        .arg(command)
        .env_clear()
        .env("HOME", &pw.dir)
        .env("LOGNAME", user)
        .env("USER", user)
        .env("SHELL", "/bin/sh")
        .env("PATH", "/usr/bin:/bin")
        .current_dir(&pw.dir)
        .stdin(Stdio::null())
        .stdout(Stdio::from(write.try_clone().unwrap()))
        .stderr(Stdio::from(write))
        .spawn()
        .unwrap();
    // The pipe's write ends go with it: only the job's may keep the pipe open.
    drop(command_);
    let mut mail = String::new();
    std::fs::File::from(read).read_to_string(&mut mail).unwrap();
    let status = child.wait().unwrap();
    CronRun {
        code: status.code(),
        mail,
        took: began.elapsed(),
    }
}
