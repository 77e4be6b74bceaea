//! Fuzzes manifest parsing and validation: any bytes must give a `Desired` or problems, never a
//! panic, a hang or a located problem outside the text.
//!
//! Run: `cargo +nightly fuzz run manifest -- -max_total_time=600` (seeds: tests/corpus).
#![no_main]

#[path = "../../tests/it/support/manifest_check.rs"]
mod manifest_check;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| manifest_check::check(data));
