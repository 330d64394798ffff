//! The Unix socket server: many concurrent clients, each judged by its peer credentials.

use super::{serve_connection, Dispatcher, Limits};
use crate::service::Caller;
use jsonrpsee::Methods;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
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
    /// Clients served at once; more wait in the listen queue.
    pub max_connections: usize,
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

/// Serves clients until `shutdown` fires; then stops accepting, lets every connection finish
/// its requests in flight, and removes the socket file at `path` (none when systemd owns it).
pub async fn serve(
    listener: UnixListener,
    path: Option<&Path>,
    methods: Methods,
    limits: Limits,
    max_connections: usize,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(max_connections.max(1)));
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => permit.expect("never closed"),
            _ = shutdown.changed() => break,
        };
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        let caller = match peer(&stream) {
            Ok(caller) => caller,
            Err(e) => {
                tracing::warn!(error = %e, "no peer credentials; closing");
                continue;
            }
        };
        tracing::debug!(uid = caller.uid, "client connected");
        let dispatcher = Dispatcher::new(&methods, caller);
        let mut stop = shutdown.clone();
        connections.spawn(async move {
            let (read, write) = stream.into_split();
            let stopped = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            if let Err(e) =
                serve_connection(BufReader::new(read), write, dispatcher, limits, stopped).await
            {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(permit);
        });
        while connections.try_join_next().is_some() {}
    }
    while connections.join_next().await.is_some() {}
    if let Some(path) = path {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}
