//! The local HTTP server that the Cloudflare and GitHub stand-ins are built on.

use std::io::{Read, Write};

use crate::support::http::{Reply, Response, Server, handler};

fn raw_request(server: &Server, request: &str) -> String {
    let mut stream = std::net::TcpStream::connect(server.addr).expect("connect");
    stream.write_all(request.as_bytes()).expect("write");
    let mut out = String::new();
    let _ = stream.read_to_string(&mut out);
    out
}

#[test]
fn serves_requests_and_decodes_queries() {
    let server = Server::start(
        0,
        handler(|req| async move {
            let name = req.query("name.exact").unwrap_or("").to_string();
            Reply::Send(Response::json(
                200,
                &serde_json::json!({"name": name, "path": req.path}),
            ))
        }),
    );
    let out = raw_request(
        &server,
        "GET /zones/x?name.exact=a%2Eb+c HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    );
    assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
    assert!(out.contains(r#""name":"a.b c""#), "{out}");
    assert!(out.contains(r#""path":"/zones/x""#), "{out}");
}

#[test]
fn drop_closes_without_a_response() {
    let server = Server::start(0, handler(|_| async { Reply::Drop }));
    let out = raw_request(&server, "POST /x HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}");
    assert_eq!(out, "");
}
