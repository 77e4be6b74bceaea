//! Local stand-ins for Cloudflare, GitHub and model origins, on 127.0.0.1 only, and the harness
//! that runs the binary against them.

pub mod cloudflare;
pub mod gfm;
pub mod github;
pub mod github_deploy;
pub mod github_git;
pub mod harness;
pub mod http;
pub mod manifest_check;
pub mod origin;
pub mod rounds;
pub mod tls;
