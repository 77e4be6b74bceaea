//! Build information for `edgeplan --version` (src/cli.rs): the commit, from
//! `EDGEPLAN_BUILD_COMMIT` when the release build sets it (never from git, so a build from a
//! source tarball needs no repository), else "unknown"; and the target triple cargo builds for.

// A build script talks to cargo through its standard output.
#![allow(clippy::print_stdout)]

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=EDGEPLAN_BUILD_COMMIT");
    // Only a commit id is shown: anything else in the variable is not one.
    let commit = std::env::var("EDGEPLAN_BUILD_COMMIT")
        .ok()
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| (7..=64).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(|| "unknown".to_string());
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_string());
    println!("cargo:rustc-env=EDGEPLAN_BUILD_COMMIT={commit}");
    println!("cargo:rustc-env=EDGEPLAN_BUILD_TARGET={target}");
}
