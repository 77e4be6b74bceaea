//! The parts of the test support that a standalone process (the examples) can use: the local
//! Cloudflare server and the HTTP server under it, the benchmarks' flags and exit codes, and the
//! rounds of requests told apart by when they were received. The rest needs the test harness.
#![allow(dead_code)]

pub mod bench;
pub mod cloudflare;
pub mod http;
pub mod rounds;
