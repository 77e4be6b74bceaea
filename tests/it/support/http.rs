//! A small HTTP/1.1 server for the local Cloudflare, GitHub and origin servers used by tests.
//!
//! Hand-written over tokio's TCP so that tests control what a real server cannot be asked to
//! do: drop a connection without answering (before or after the handler's effect), answer with
//! an HTML body, or stall. Listens on 127.0.0.1 only. Each server runs on its own thread with
//! its own runtime, so both synchronous tests (that run the real binary) and async code can use it.
//!
//! Like Cloudflare's and GitHub's APIs, it answers gzip when the request asks for it
//! (`Accept-Encoding: gzip`) and the handler did not encode the body itself, so every test that
//! runs the binary reads compressed answers; [`Server::gzipped`] counts them.

use std::future::Future;
use std::io::Write as _;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The path without the query string, percent-decoded.
    pub path: String,
    /// The query pairs in order, percent-decoded.
    pub query: Vec<(String, String)>,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The value of the first pair named `key` (query pairs, headers with lower-case names).
pub fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        first(&self.headers, &name.to_ascii_lowercase())
    }

    pub fn query(&self, key: &str) -> Option<&str> {
        first(&self.query, key)
    }

    /// GitHub's paging of a list: `per_page` (30 unless given, 1 to 100) and `page` (from 1).
    pub fn paging(&self) -> (usize, usize) {
        let number = |key: &str| self.query(key).and_then(|v| v.parse::<usize>().ok());
        let per_page = number("per_page").unwrap_or(30).clamp(1, 100);
        (per_page, number("page").unwrap_or(1).max(1))
    }

    pub fn json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

/// A response to send.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        }
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Response::new(status, "application/json", value.to_string())
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }
}

/// What the handler wants done with a request.
#[derive(Debug, Clone)]
pub enum Reply {
    Send(Response),
    /// Close the connection without a response (the client sees a dropped connection).
    Drop,
}

impl From<Response> for Reply {
    fn from(r: Response) -> Self {
        Reply::Send(r)
    }
}

pub type BoxFuture = Pin<Box<dyn Future<Output = Reply> + Send>>;
pub type Handler = Arc<dyn Fn(Request) -> BoxFuture + Send + Sync>;

/// A running server. Stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    gzipped: Arc<AtomicUsize>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Starts a server on 127.0.0.1 with an OS-chosen port (or `port` when non-zero).
    pub fn start(port: u16, handler: Handler) -> Server {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let gzipped = Arc::new(AtomicUsize::new(0));
        let counted = gzipped.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("test server runtime");
            rt.block_on(async move {
                let listener = TcpListener::bind(("127.0.0.1", port))
                    .await
                    .expect("bind 127.0.0.1");
                addr_tx
                    .send(listener.local_addr().expect("local addr"))
                    .expect("send addr");
                let accept = async {
                    loop {
                        let Ok((stream, _)) = listener.accept().await else {
                            continue;
                        };
                        // The head and the body go out in two writes: with Nagle's algorithm
                        // the body waits for the client's (delayed, up to 40 ms) ACK of the
                        // head, which would add ~40 ms to every request on a kept-alive
                        // connection and swamp what benchmarks measure.
                        let _ = stream.set_nodelay(true);
                        let handler = handler.clone();
                        let counted = counted.clone();
                        tokio::spawn(async move {
                            let _ = serve_connection(stream, handler, counted).await;
                        });
                    }
                };
                tokio::select! {
                    _ = accept => {}
                    _ = stop_rx => {}
                }
            });
            rt.shutdown_background();
        });
        let addr = addr_rx.recv().expect("server address");
        Server {
            addr,
            gzipped,
            shutdown: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many answers went out gzip-encoded because the request asked for it.
    pub fn gzipped(&self) -> usize {
        self.gzipped.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Wraps an async closure as a [`Handler`].
pub fn handler<F, Fut>(f: F) -> Handler
where
    F: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Reply> + Send + 'static,
{
    Arc::new(move |req| Box::pin(f(req)))
}

async fn serve_connection(
    stream: TcpStream,
    handler: Handler,
    gzipped: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    // NOTE: the head and the body are written separately; with Nagle's algorithm the body would
    // wait for the client's delayed ACK of the head (40 ms on Linux), which swamps latency tests.
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let line = line.trim_end().to_string();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split(' ');
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("/").to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).await? == 0 {
                return Ok(());
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let len: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        reader.read_exact(&mut body).await?;
        let close = headers
            .iter()
            .any(|(k, v)| k == "connection" && v.eq_ignore_ascii_case("close"));
        let gzip = accepts_gzip(&headers);
        let (path, query) = split_target(&target);
        let request = Request {
            method,
            path,
            query,
            headers,
            body,
        };
        match handler(request).await {
            Reply::Drop => return Ok(()),
            Reply::Send(mut resp) => {
                let encoded = resp.headers.iter().any(|(k, _)| k == "content-encoding");
                if gzip && !encoded && !resp.body.is_empty() {
                    resp.body = gzip_bytes(&resp.body);
                    resp.headers
                        .push(("content-encoding".into(), "gzip".into()));
                    gzipped.fetch_add(1, Ordering::SeqCst);
                }
                let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
                for (k, v) in &resp.headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str(&format!("content-length: {}\r\n", resp.body.len()));
                if close {
                    head.push_str("connection: close\r\n");
                }
                head.push_str("\r\n");
                let stream = reader.get_mut();
                stream.write_all(head.as_bytes()).await?;
                stream.write_all(&resp.body).await?;
                stream.flush().await?;
                if close {
                    return Ok(());
                }
            }
        }
    }
}

/// Whether `Accept-Encoding` lists `gzip` (or `*`) without `q=0`.
fn accepts_gzip(headers: &[(String, String)]) -> bool {
    headers
        .iter()
        .filter(|(k, _)| k == "accept-encoding")
        .flat_map(|(_, v)| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// `bytes` gzip-encoded (the fastest level: the servers answer many pages).
pub fn gzip_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("gzip into memory");
    encoder.finish().expect("gzip into memory")
}

/// A gzip body that decompresses to `size` spaces (whitespace, so a JSON reader sees no error
/// until its end) from about a thousandth of that: a gzip bomb.
pub fn gzip_bomb(size: usize) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![b' '; 1 << 20];
    let mut left = size;
    while left > 0 {
        let n = left.min(block.len());
        encoder.write_all(&block[..n]).expect("gzip into memory");
        left -= n;
    }
    encoder.finish().expect("gzip into memory")
}

fn split_target(target: &str) -> (String, Vec<(String, String)>) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let pairs = query
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    (percent_decode(path), pairs)
}

/// Decodes `%XX` escapes and `+` (as a space, in query strings).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        409 => "Conflict",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
