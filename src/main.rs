//! The `edgeplan` binary: parse the command line, run, exit with the code DESIGN.md fixes.

use std::process::ExitCode;

fn main() -> ExitCode {
    edgeplan::run::main(std::env::args_os()).into()
}
