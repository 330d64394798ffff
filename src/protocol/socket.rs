//! The Unix socket server: many concurrent clients, each judged by its peer credentials.

use super::{envelope, serve_connection, Handlers, Limits, Responder};
use crate::api::errors::ProtocolError;
use crate::api::Router;
use crate::service::Caller;
use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::BufReader;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{watch, Semaphore};

#[derive(Debug, Clone)]
pub struct SocketOptions {
    pub path: PathBuf,
    /// Permission bits of the socket file. Every peer is still held to its own crontab.
    pub mode: u32,
    /// Group to own the socket file, with `mode` 0660 to let only that group connect.
    pub group: Option<String>,
}

/// Binds `path`, replacing a stale socket file but never a live server's.
pub fn bind(options: &SocketOptions) -> std::io::Result<UnixListener> {
    let path = &options.path;
    if path.exists() {
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AddrInUse,
                format!("{} is served by a running process", path.display()),
            ));
        }
        let meta = std::fs::symlink_metadata(path)?;
        use std::os::unix::fs::FileTypeExt;
        if !meta.file_type().is_socket() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} exists and is not a socket", path.display()),
            ));
        }
        std::fs::remove_file(path)?;
    }
    // Born private, then opened up to `mode`: with the caller's umask the socket could be more
    // open than asked for between bind and chmod.
    let umask = nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o177));
    let bound = UnixListener::bind(path);
    nix::sys::stat::umask(umask);
    let listener = bound?;
    if let Some(group) = &options.group {
        let group = nix::unistd::Group::from_name(group)?.ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("no group named {group}"),
            )
        })?;
        nix::unistd::chown(path.as_path(), None, Some(group.gid))?;
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(options.mode))?;
    Ok(listener)
}

fn peer(stream: &UnixStream) -> std::io::Result<Caller> {
    Ok(Caller::from_uid(stream.peer_cred()?.uid()))
}

/// How many connections are held at once.
#[derive(Debug, Clone, Copy)]
pub struct SlotOptions {
    /// Connections served at once; more wait in the listen queue. An eighth of them (at least
    /// one) is kept for root, so a server full of other users' connections still answers root.
    pub max_connections: usize,
    /// Connections one non-root user may hold; past it, and past the slots other users may
    /// take, a connection is answered TOO_MANY_CONNECTIONS and closed.
    pub per_user: usize,
}

impl SlotOptions {
    /// Slots non-root users may take together.
    fn others_max(&self) -> usize {
        let max = self.max_connections.max(1);
        let for_root = if max > 1 { (max / 8).max(1) } else { 0 };
        max - for_root
    }
}

#[derive(Default)]
struct Held {
    by_uid: HashMap<u32, usize>,
    others: usize,
}

/// A non-root connection's place in the counts, given back on drop.
struct Share {
    held: Arc<Mutex<Held>>,
    uid: u32,
}

impl Drop for Share {
    fn drop(&mut self) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.others -= 1;
        if let Some(count) = held.by_uid.get_mut(&self.uid) {
            *count -= 1;
            if *count == 0 {
                held.by_uid.remove(&self.uid);
            }
        }
    }
}

impl SlotOptions {
    /// Root needs no share; anyone else gets one while their counts allow.
    fn share(&self, held: &Arc<Mutex<Held>>, uid: u32) -> Result<Option<Share>, String> {
        if uid == 0 {
            return Ok(None);
        }
        let mut h = held.lock().unwrap_or_else(|e| e.into_inner());
        let mine = h.by_uid.get(&uid).copied().unwrap_or(0);
        if mine >= self.per_user.max(1) {
            return Err(format!(
                "uid {uid} already holds {mine} connections; the limit per user is {}",
                self.per_user.max(1)
            ));
        }
        if h.others >= self.others_max() {
            return Err("every connection slot open to users is taken; try again later".into());
        }
        h.others += 1;
        *h.by_uid.entry(uid).or_default() += 1;
        Ok(Some(Share {
            held: held.clone(),
            uid,
        }))
    }
}

/// How long to wait before accepting again after accept failed (out of descriptors, most
/// likely): retrying at once would spin and flood the log.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves clients until `shutdown` fires; then stops accepting, lets every connection finish
/// its requests in flight, and removes the socket file at `path` (none when systemd owns it).
pub async fn serve(
    listener: UnixListener,
    path: Option<&Path>,
    serve: Serve,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let held = Arc::new(Mutex::new(Held::default()));
    let slots = Arc::new(Semaphore::new(serve.slots.max_connections.max(1)));
    let mut connections = tokio::task::JoinSet::new();
    let mut last_warning: Option<Instant> = None;
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("never closed"),
            _ = shutdown.changed() => break,
        };
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    if last_warning.is_none_or(|at| at.elapsed() > Duration::from_secs(10)) {
                        tracing::warn!(error = %e, "accept failed; retrying");
                        last_warning = Some(Instant::now());
                    }
                    tokio::select! {
                        () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                        _ = shutdown.changed() => break,
                    }
                }
            },
            _ = shutdown.changed() => break,
        };
        while connections.try_join_next().is_some() {}
        let caller = match peer(&stream) {
            Ok(caller) => caller,
            Err(e) => {
                tracing::warn!(error = %e, "no peer credentials; closing");
                continue;
            }
        };
        let share = match serve.slots.share(&held, caller.uid) {
            Ok(share) => share,
            Err(detail) => {
                tracing::debug!(uid = caller.uid, %detail, "connection refused");
                let mut answer = envelope::null_error(ProtocolError::Busy, detail);
                answer.push('\n');
                // Never wait on a client that does not read: the line goes now or not at all.
                let _ = stream.try_write(answer.as_bytes());
                continue;
            }
        };
        tracing::debug!(uid = caller.uid, "client connected");
        let handler = serve.handlers.as_ref().map(|make| make(&caller));
        let responder = Responder::new(serve.router.clone(), caller, handler);
        let mut stop = shutdown.clone();
        let limits = serve.limits;
        connections.spawn(async move {
            let (read, write) = stream.into_split();
            let stopped = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            if let Err(e) =
                serve_connection(BufReader::new(read), write, responder, limits, stopped).await
            {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop((share, slot));
        });
    }
    while connections.join_next().await.is_some() {}
    if let Some(path) = path {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// What every connection of a socket server is served with.
#[derive(Clone)]
pub struct Serve {
    pub router: Router,
    pub handlers: Option<Handlers>,
    pub limits: Limits,
    pub slots: SlotOptions,
}
