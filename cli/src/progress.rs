//! Progress bars and Ctrl-C for the long operations: imports and bulk jobs.
//!
//! Progress bars (indicatif) are drawn on standard error only when it is a terminal, so scripts
//! and logs never see them. Ctrl-C: while a cancellable operation runs ([`Cancellable`]), the first
//! SIGINT only sets a flag; the operation's progress callback sees it and returns
//! `ControlFlow::Break`, the core rolls the transaction back and fails with `Interrupted`, and the
//! command exits 10 saying nothing was written. A second Ctrl-C, or one outside a cancellable
//! operation (the confirmation prompt, a query), ends the process at once with the shell's status
//! 130 — still safe, since every write is one SQLite transaction that a dead process never commits.
//!
//! N.B. The `ctrlc` crate rather than `signal-hook`: one handler for SIGINT is all we need, and
//! `ctrlc` runs it on its own thread, so the handler may print and exit without the
//! async-signal-safety rules a raw handler must follow.

use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Set by the first Ctrl-C during a cancellable operation.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// Whether a cancellable operation is running (then Ctrl-C cancels it instead of exiting).
static ACTIVE: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

/// The exit status of a process ended by a second Ctrl-C: the shell's 128 + SIGINT.
pub const SIGINT_EXIT: i32 = 130;

/// Installs the Ctrl-C handler (once; `main` does it for every command, so that a Ctrl-C
/// outside a cancellable operation exits 130 with a message, like the default but said).
pub fn install_handler() {
    INSTALL.call_once(|| {
        // Failing to install (another handler exists) leaves the default: Ctrl-C kills the
        // process, which is still safe, only less polite.
        let _ = ctrlc::set_handler(|| {
            // On a terminal, start a new line after the `^C` the terminal echoed (and the bar).
            let nl = if std::io::stderr().is_terminal() {
                "\n"
            } else {
                ""
            };
            if ACTIVE.load(Ordering::SeqCst) && !INTERRUPTED.swap(true, Ordering::SeqCst) {
                eprintln!("{nl}licstore: interrupted: cancelling (Ctrl-C again to quit at once)");
            } else {
                eprintln!("{nl}licstore: interrupted");
                std::process::exit(SIGINT_EXIT);
            }
        });
    });
}

/// While alive, Ctrl-C cancels the running operation (see the module doc).
#[derive(Debug)]
pub struct Cancellable(());

impl Cancellable {
    /// Starts a cancellable operation.
    pub fn begin() -> Cancellable {
        install_handler();
        INTERRUPTED.store(false, Ordering::SeqCst);
        ACTIVE.store(true, Ordering::SeqCst);
        Cancellable(())
    }

    /// `Break` once Ctrl-C was pressed: what a progress callback returns.
    pub fn check(&self) -> ControlFlow<()> {
        if INTERRUPTED.load(Ordering::SeqCst) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    /// Whether Ctrl-C was pressed.
    pub fn interrupted(&self) -> bool {
        INTERRUPTED.load(Ordering::SeqCst)
    }

    /// Ends an operation that succeeded: if Ctrl-C came too late to cancel it (after its last
    /// progress report, while it committed), says that it was applied all the same.
    pub fn finished(self, what: &str) {
        if self.interrupted() {
            eprintln!("licstore: {what} had already finished when Ctrl-C came: it is applied");
        }
    }
}

impl Drop for Cancellable {
    fn drop(&mut self) {
        ACTIVE.store(false, Ordering::SeqCst);
    }
}

/// A progress bar on standard error, hidden unless standard error is a terminal.
#[derive(Debug)]
pub struct Bar(ProgressBar);

impl Bar {
    fn new(len: Option<u64>, template: &str, msg: String) -> Bar {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr_with_hz(10)
        } else {
            ProgressDrawTarget::hidden()
        };
        let pb = ProgressBar::with_draw_target(len, target);
        let style = if len.is_some() {
            ProgressStyle::with_template(template)
        } else {
            ProgressStyle::with_template("{spinner} {msg}: {human_pos} rows read {elapsed}")
        }
        .expect("the progress templates are valid")
        .progress_chars("=> ");
        pb.set_style(style);
        pb.set_message(msg);
        if len.is_none() {
            pb.enable_steady_tick(Duration::from_millis(120));
        }
        Bar(pb)
    }

    /// An import of `name`: by bytes when the size is known, else a row counter.
    pub fn import(name: &str, total_bytes: Option<u64>) -> Bar {
        Bar::new(
            total_bytes,
            "{msg} [{wide_bar}] {bytes}/{total_bytes} {eta}",
            format!("importing {name}"),
        )
    }

    /// A bulk run over `total` users.
    pub fn users(what: &str, total: u64) -> Bar {
        Bar::new(
            Some(total),
            "{msg} [{wide_bar}] {human_pos}/{human_len} users {eta}",
            what.to_string(),
        )
    }

    /// Moves the bar to `pos` (bytes or users), or counts rows when its length is unknown.
    pub fn set(&self, pos: u64) {
        self.0.set_position(pos);
    }

    /// Changes the total (a bulk run learns its number of users from its first report).
    pub fn set_len(&self, len: u64) {
        if self.0.length() != Some(len) {
            self.0.set_length(len);
        }
    }
}

impl Drop for Bar {
    /// Clears the bar: the result that follows stands alone.
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}
