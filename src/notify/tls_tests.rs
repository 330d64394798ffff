//! TLS verifies certificates: a webhook at an HTTPS server with a self-signed certificate
//! (openssl s_server on localhost) is refused at the handshake, never sent, and not retried.

use super::http::{self, Request};
use crate::history::Channel;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `openssl s_server` with a fresh self-signed certificate for 127.0.0.1; killed on drop.
struct SelfSigned {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl SelfSigned {
    fn start() -> SelfSigned {
        let dir = tempfile::tempdir().unwrap();
        let (key, cert) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
        let made = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
            ])
            .args(["-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"])
            .args(["-addext", "subjectAltName=IP:127.0.0.1", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("openssl is installed (scripts/test installs it)");
        assert!(made.success());
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("openssl")
            .args(["s_server", "-quiet", "-www", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = SelfSigned {
            child,
            port,
            _dir: dir,
        };
        // Until it listens (a readiness wait, not a timing assertion).
        let give_up = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < give_up, "openssl s_server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }
}

impl Drop for SelfSigned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_certificate_that_does_not_verify_is_refused_and_not_retried() {
    let server = SelfSigned::start();
    let url = format!("https://127.0.0.1:{}/hook", server.port);
    let request = Request {
        channel: Channel::Webhook,
        label: "webhook",
        url: &url,
        content_type: "application/json",
        headers: Vec::new(),
        body: b"{}",
    };
    let outcomes = http::deliver(&http::agent(), &request, Instant::now() + http::BUDGET);
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    assert!(!outcomes[0].ok);
    assert!(
        outcomes[0].detail.to_lowercase().contains("certificate"),
        "{:?}",
        outcomes[0]
    );
}
