//! `licstore`: the command line over the licstore core.
//!
//! Every command opens the store named by `--db` (or `LICSTORE_DB`), does one thing through the
//! core API, and prints the result on standard output: an aligned table for people, or
//! CSV/TSV/JSON/JSON Lines with `--format` for scripts. Errors go to standard error as one line,
//! `licstore: error: ...`, followed by indented detail lines when there are several (the rejected
//! rows of an import), and the exit status says which kind of error it was (see `exit.rs` and
//! docs/cli.md).

mod args;
mod commands;
mod exit;
mod output;
mod progress;
mod report;
mod summary;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // A panic is a bug: say so in one line instead of a backtrace dump, and exit 1.
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "licstore: internal error: {what}{at} (this is a bug in licstore; please report it)"
        );
    }));
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    progress::install_handler();
    let result = std::panic::catch_unwind(|| commands::run(cli));
    match result {
        Ok(Ok(())) => ExitCode::from(exit::OK),
        Ok(Err(_)) if output::stdout_closed() => ExitCode::from(exit::OK),
        Ok(Err(f)) => {
            eprintln!("licstore: error: {}", f.message);
            for d in &f.details {
                eprintln!("  {d}");
            }
            ExitCode::from(f.exit)
        }
        Err(_) => ExitCode::from(exit::INTERNAL),
    }
}

/// Prints clap's message (help and version go to stdout with status 0) with errors in the
/// `licstore: error: ...` form of every other error.
fn usage_error(e: clap::Error) -> ExitCode {
    if !e.use_stderr() {
        let _ = e.print();
        return ExitCode::from(exit::OK);
    }
    let text = e.render().to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    eprint!("licstore: error: {text}");
    ExitCode::from(exit::USAGE)
}
