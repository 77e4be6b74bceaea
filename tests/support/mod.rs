//! Local stand-ins for Cloudflare, GitHub and model origins, on 127.0.0.1 only.
#![allow(dead_code)]

pub mod action;
pub mod cloudflare;
pub mod github;
pub mod http;
pub mod origin;
