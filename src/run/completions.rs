//! `edgeplan completions SHELL` and the man page: both generated from the clap definitions of
//! [`crate::cli`], the same ones `--help` prints, so they cannot drift from the command line
//! (<https://docs.rs/clap_complete>, <https://docs.rs/clap_mangen>). The release archives carry
//! them (`.github/workflows/release.yml`), written by the binary itself.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, CompletionShell};
use crate::exit::Exit;

use super::Failure;

/// Prints the completion script for `shell` on stdout.
pub(super) fn completions(shell: CompletionShell) -> Result<Exit, Failure> {
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
        CompletionShell::Powershell => Shell::PowerShell,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "edgeplan", &mut script);
    out!("{}", String::from_utf8_lossy(&script));
    Ok(Exit::Success)
}

/// Prints the man page: edgeplan(1), or edgeplan-COMMAND(1) for one command (hidden commands
/// have none); with `list`, the commands that have a page, one a line (what the release workflow
/// loops over, so a new command gets its page without editing the workflow).
pub(super) fn man(command: Option<&str>, list: bool) -> Result<Exit, Failure> {
    let mut cli = Cli::command();
    cli.build();
    if list {
        for c in cli.get_subcommands().filter(|c| has_page(c)) {
            outln!("{}", c.get_name());
        }
        return Ok(Exit::Success);
    }
    let page = match command {
        None => cli,
        Some(name) => {
            let Some(sub) = cli
                .get_subcommands()
                .find(|c| c.get_name() == name && has_page(c))
            else {
                let names: Vec<&str> = cli
                    .get_subcommands()
                    .filter(|c| has_page(c))
                    .map(|c| c.get_name())
                    .collect();
                return Err(Failure::new(
                    Exit::Usage,
                    format!(
                        "no command `{}`",
                        crate::render::inert::inert(&name.escape_debug().to_string())
                    ),
                )
                .help(format!("one of: {}", names.join(", "))));
            };
            // clap names are `'static` (its `string` feature is off); the process prints one
            // page and exits, so leaking this one short name costs nothing.
            let display: &'static str = format!("edgeplan-{}", sub.get_name()).leak();
            sub.clone().name(display).display_name(display)
        }
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut roff)
        .map_err(|e| Failure::new(Exit::Api, format!("cannot render the man page: {e}")))?;
    out!("{}", String::from_utf8_lossy(&roff));
    Ok(Exit::Success)
}

/// Whether a command has a page of its own: not hidden, and not clap's `help`.
fn has_page(command: &clap::Command) -> bool {
    !command.is_hide_set() && command.get_name() != "help"
}
