//! Sequences each command's I/O: read manifests, talk to the provider, render, exit.
//!
//! Everything that decides something lives in `manifest`, `plan` and `render`; this module only
//! wires them together and turns outcomes into the exit codes of the contract in README, Commands.

mod action;
mod apply;
mod completions;
mod import;
mod list;
mod manifests;
mod pipeline;
mod plan;
mod public;
mod remote;
mod settings;
mod target;

pub use apply::at_prompt;

use std::ffi::OsString;
use std::io::Write;

use crate::cli::{Cli, Command};
use crate::exit::Exit;
use crate::manifest;
use crate::provider;

pub(crate) use manifests::{load_manifests, load_or_report, print_problems, validate};
pub(crate) use settings::Settings;

/// A failure a person reads: printed once on stderr as `error: message` and `  help: advice`.
#[derive(Debug)]
pub(crate) struct Failure {
    pub exit: Exit,
    pub message: String,
    pub help: Option<String>,
}

impl Failure {
    pub(crate) fn new(exit: Exit, message: impl Into<String>) -> Self {
        Failure {
            exit,
            message: message.into(),
            help: None,
        }
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Parses `args`, runs the command and returns its exit code. Usage errors exit 64, never clap's 2.
pub fn main(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> Exit {
    let parsed = Cli::command_line()
        .try_get_matches_from(args)
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(err) => {
            use clap::error::ErrorKind;
            let _ = err.print();
            return match err.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => Exit::Success,
                _ => Exit::Usage,
            };
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            errln!("error: cannot start the async runtime: {err}");
            return Exit::Api;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(exit) => exit,
        Err(failure) => {
            print_failure(&failure);
            failure.exit
        }
    }
}

/// Runs one parsed command.
pub(crate) async fn run(cli: Cli) -> Result<Exit, Failure> {
    match cli.command {
        Command::Validate(args) => validate(&args, &Settings::from_env()),
        Command::Schema => {
            let schema = serde_json::to_string_pretty(&manifest::schema())
                .map_err(|e| Failure::new(Exit::Api, e.to_string()))?;
            outln!("{schema}");
            Ok(Exit::Success)
        }
        Command::List(args) => list::run(&args, &Settings::from_env()),
        Command::Import(args) => import::run(&args, &Settings::from_env()).await,
        Command::Plan(args) => plan::run(&args, &Settings::from_env()).await,
        Command::Apply(args) => apply::run(&args, &Settings::from_env()).await,
        Command::Action(args) => action::run(&args, &Settings::from_env()).await,
        Command::Completions(args) => completions::completions(args.shell),
        Command::Man(args) => completions::man(args.command.as_deref(), args.list),
    }
}

impl From<provider::Error> for Failure {
    fn from(err: provider::Error) -> Self {
        let exit = match &err {
            provider::Error::Rejected { .. } => Exit::Rejected,
            provider::Error::Api { .. }
            | provider::Error::UnknownOutcome { .. }
            | provider::Error::Server { .. } => Exit::Api,
        };
        Failure {
            exit,
            help: err.help().map(str::to_string),
            message: err.to_string(),
        }
    }
}

/// A failed GitHub call as the run's failure: exit code [`Exit::Api`], with GitHub's advice.
pub(crate) fn github_failure(e: crate::github::error::Error) -> Failure {
    let help = e.help().map(str::to_string);
    let mut f = Failure::new(Exit::Api, e.to_string());
    f.help = help;
    f
}

pub(crate) fn print_failure(failure: &Failure) {
    use crate::render::inert::inert;
    let mut err = std::io::stderr().lock();
    // Messages may quote an API answer or a file's content: inert on every path (inert is
    // idempotent, so a caller that already made them inert loses nothing).
    let _ = writeln!(err, "error: {}", inert(&failure.message));
    if let Some(help) = &failure.help {
        let _ = writeln!(err, "  help: {}", inert(help));
    }
}
