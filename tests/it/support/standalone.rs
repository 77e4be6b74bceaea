//! The parts of the test support that a standalone process (the examples) can use: the local
//! Cloudflare server and the HTTP server under it. The rest needs the test harness.
#![allow(dead_code)]

pub mod cloudflare;
pub mod http;
