//! Model origins for the health-probe tests: healthy, failing, hanging, Host-routed, slow, and one
//! that is not TLS at all. Each records the requests it received and how many it was serving at
//! once, so tests can check what a probe sends and how many run together.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::http::{Reply, Request, Response, Server, handler};

/// What an origin does with a request.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// Answer with this status.
    Status(u16),
    /// Redirect to this URL (302).
    Redirect(String),
    /// Never answer.
    Hang,
    /// 200 when `Host` is the origin's own `127.0.0.1:PORT`, 404 for any other name: how Cloud
    /// Run, App Service and friends treat a name they were not told about.
    OwnHostOnly,
    /// Wait, then answer 200.
    Slow(Duration),
}

pub struct Origin {
    pub server: Server,
    requests: Arc<Mutex<Vec<Request>>>,
    max_in_flight: Arc<AtomicUsize>,
}

impl Origin {
    pub fn start(behaviour: Behaviour) -> Origin {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let max_in_flight = Arc::new(AtomicUsize::new(0));
        // The port is known only once bound; the handler reads it from here.
        let own_port = Arc::new(AtomicUsize::new(0));
        let (reqs, now, max, port) = (
            requests.clone(),
            in_flight.clone(),
            max_in_flight.clone(),
            own_port.clone(),
        );
        let server = Server::start(
            0,
            handler(move |req: Request| {
                let (reqs, now, max, port, behaviour) = (
                    reqs.clone(),
                    now.clone(),
                    max.clone(),
                    port.clone(),
                    behaviour.clone(),
                );
                async move {
                    let host = req.header("host").unwrap_or("").to_string();
                    reqs.lock().expect("requests lock").push(req);
                    let current = now.fetch_add(1, Ordering::SeqCst) + 1;
                    max.fetch_max(current, Ordering::SeqCst);
                    let reply = match behaviour {
                        Behaviour::Status(code) => Response::new(code, "text/plain", "x").into(),
                        Behaviour::Redirect(to) => Response::new(302, "text/plain", "")
                            .header("location", to)
                            .into(),
                        Behaviour::Hang => std::future::pending::<Reply>().await,
                        Behaviour::OwnHostOnly => {
                            let own = format!("127.0.0.1:{}", port.load(Ordering::SeqCst));
                            let code = if host == own { 200 } else { 404 };
                            Response::new(code, "text/plain", "x").into()
                        }
                        Behaviour::Slow(delay) => {
                            tokio::time::sleep(delay).await;
                            Response::new(200, "text/plain", "ok").into()
                        }
                    };
                    now.fetch_sub(1, Ordering::SeqCst);
                    reply
                }
            }),
        );
        own_port.store(usize::from(server.addr.port()), Ordering::SeqCst);
        Origin {
            server,
            requests,
            max_in_flight,
        }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.server.addr.port()
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("requests lock").clone()
    }

    /// The most requests this origin was answering at the same moment.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }
}

/// A TCP server on 127.0.0.1 that answers every connection with plain HTTP bytes at once, so a
/// TLS client gets a handshake failure. Returns the port; the listener lives as long as the test
/// process.
pub fn not_tls() -> u16 {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let port = listener.local_addr().expect("local addr").port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
            // Keep it open briefly so the client reads the bytes rather than a reset.
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    port
}

/// A port on 127.0.0.1 with nothing listening (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    listener.local_addr().expect("local addr").port()
}
