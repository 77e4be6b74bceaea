//! The `edgeplan` binary: parse the command line, run, exit with the documented code (README, Exit
//! codes).
//!
//! SIGINT and SIGTERM do not end it silently: it says on stderr what was in flight (a batch whose
//! outcome is now unknown, nothing sent yet, or the confirmation prompt: nothing applied) and
//! exits 130 or 143 (docs/apply.md).

use std::process::ExitCode;

fn main() -> ExitCode {
    #[cfg(unix)]
    signals::watch();
    edgeplan::run::main(std::env::args_os()).into()
}

#[cfg(unix)]
mod signals {
    use std::io::Write;
    use std::task::Poll;

    use edgeplan::exit::Exit;
    use tokio::signal::unix::{SignalKind, signal};

    /// Starts a thread that waits for SIGINT or SIGTERM, then prints what was in flight and ends
    /// the process. Returns once the handlers are installed, so no signal goes unseen after it.
    pub fn watch() {
        let (ready, installed) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                let Ok(runtime) = runtime else {
                    let _ = ready.send(());
                    return;
                };
                runtime.block_on(async move {
                    let handlers = (
                        signal(SignalKind::interrupt()),
                        signal(SignalKind::terminate()),
                    );
                    let _ = ready.send(());
                    let (Ok(mut int), Ok(mut term)) = handlers else {
                        return;
                    };
                    let (name, exit) = std::future::poll_fn(|cx| {
                        if int.poll_recv(cx).is_ready() {
                            Poll::Ready(("SIGINT", Exit::Interrupted))
                        } else if term.poll_recv(cx).is_ready() {
                            Poll::Ready(("SIGTERM", Exit::Terminated))
                        } else {
                            Poll::Pending
                        }
                    })
                    .await;
                    let (what, help) = match edgeplan::run::at_prompt() {
                        true => (
                            "at the confirmation prompt; nothing was applied".to_string(),
                            None,
                        ),
                        false => edgeplan::apply::in_flight(),
                    };
                    let mut err = std::io::stderr().lock();
                    let _ = writeln!(err, "error: interrupted by {name} {what}");
                    if let Some(help) = help {
                        let _ = writeln!(err, "  help: {help}");
                    }
                    let _ = err.flush();
                    drop(err);
                    std::process::exit(exit as i32);
                });
            });
        if spawned.is_ok() {
            let _ = installed.recv();
        }
    }
}
