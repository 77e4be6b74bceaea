//! The `edgeplan` binary: parse the command line, run, exit with the documented code (README, Exit codes).

use std::process::ExitCode;

fn main() -> ExitCode {
    edgeplan::run::main(std::env::args_os()).into()
}
