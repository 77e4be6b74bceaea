//! Standard output and standard error that never panic (DESIGN section 3): Rust ignores SIGPIPE,
//! so `println!` and `eprintln!` panic when the reader is gone. Every print in shipped code goes
//! through `out!`, `outln!`, `err!` and `errln!` instead: the same bytes, and on a failed write (a
//! closed pipe, a full disk) the stream is marked closed and further output to it is dropped.
//! Printing never decides what a command does or its exit code: an apply whose output pipe closes
//! applies every zone it would have applied.
//!
//! The macros are the crate's own, in scope in every module (`lib.rs` declares this one first,
//! with `#[macro_use]`), and not exported: they write through this crate-private module.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes to standard output (locked, so one call's text is never interleaved); after a failed
/// write, nothing more is written.
pub(crate) fn stdout(args: fmt::Arguments<'_>) {
    write_to(&mut io::stdout().lock(), &STDOUT_CLOSED, args);
}

/// Writes to standard error, as [`stdout`] does.
pub(crate) fn stderr(args: fmt::Arguments<'_>) {
    write_to(&mut io::stderr().lock(), &STDERR_CLOSED, args);
}

/// Writes `args` to `w` unless `closed` is set; a failed write sets it.
fn write_to(w: &mut impl Write, closed: &AtomicBool, args: fmt::Arguments<'_>) {
    if closed.load(Ordering::Relaxed) {
        return;
    }
    if w.write_fmt(args).is_err() {
        closed.store(true, Ordering::Relaxed);
    }
}

/// Standard output that ignores (and remembers) a failed write: for the workflow commands
/// (`github::workflow`, above this module) and other writers that take an `io::Write`.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !STDOUT_CLOSED.load(Ordering::Relaxed) && io::stdout().write_all(buf).is_err() {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !STDOUT_CLOSED.load(Ordering::Relaxed) && io::stdout().flush().is_err() {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// `print!` that never panics ([`crate::output`]).
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::stdout(format_args!($($arg)*)) };
}

/// `println!` that never panics ([`crate::output`]).
macro_rules! outln {
    () => { $crate::output::stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `eprint!` that never panics ([`crate::output`]).
macro_rules! err {
    ($($arg:tt)*) => { $crate::output::stderr(format_args!($($arg)*)) };
}

/// `eprintln!` that never panics ([`crate::output`]).
macro_rules! errln {
    () => { $crate::output::stderr(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::stderr(format_args!("{}\n", format_args!($($arg)*))) };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose reader is gone.
    struct Closed(usize);

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            self.0 += 1;
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failed_write_is_remembered_and_later_output_dropped() {
        let closed = AtomicBool::new(false);
        let mut w = Closed(0);
        write_to(&mut w, &closed, format_args!("one\n"));
        assert!(closed.load(Ordering::Relaxed));
        write_to(&mut w, &closed, format_args!("two\n"));
        assert_eq!(w.0, 1, "nothing is written after the first failure");
    }
}
