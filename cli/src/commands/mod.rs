//! The commands: one module per command group, all sharing [`Ctx`] (the global options, the
//! output) and [`Failure`] (what `main` prints and exits with).

use std::io::Write;
use std::path::{Path, PathBuf};

use licstore::{Error, ErrorCode, Store};

use crate::args::{Cli, Command, OutputFormat};
use crate::exit;
use crate::output::{io_error, write_aligned, Stdout, Table};

pub mod access;
pub mod audit;
pub mod benefits;
pub mod customers;
pub mod demo;
pub mod init;
pub mod keys;
pub mod online;
pub mod report;
pub mod sql;
pub mod transfer;
pub mod volume;

/// How many rejected rows an error prints before it only counts the rest.
const MAX_DETAIL_LINES: usize = 20;

/// A command failed: one line for `licstore: error: ...`, detail lines, and the exit status.
#[derive(Debug)]
pub struct Failure {
    /// The process exit status.
    pub exit: u8,
    /// One line saying what went wrong.
    pub message: String,
    /// Further lines: each rejected row, each refused user, a hint.
    pub details: Vec<String>,
}

impl Failure {
    /// A usage error found after parsing (exit code 2, like clap's own).
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            exit: exit::USAGE,
            message: message.into(),
            details: vec![],
        }
    }

    /// Adds a detail line.
    pub fn hint(mut self, line: impl Into<String>) -> Failure {
        self.details.push(line.into());
        self
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let exit = exit::exit_code(e.code());
        let mut details = vec![];
        let message = match &e {
            Error::Csv(errs) if errs.rejected > 1 => {
                for r in errs.errors.iter().take(MAX_DETAIL_LINES) {
                    details.push(r.to_string());
                }
                let shown = errs.errors.len().min(MAX_DETAIL_LINES) as u64;
                if errs.rejected > shown {
                    details.push(format!("... and {} more", errs.rejected - shown));
                }
                format!("{}: {} rows rejected", errs.first().file, errs.rejected)
            }
            Error::BulkOperationFailed { job_id, failures } => {
                // One line per failing user (code: UPN: message), capped like rejected rows; the
                // job keeps every item.
                details.extend(
                    failures
                        .iter()
                        .take(MAX_DETAIL_LINES)
                        .map(ToString::to_string),
                );
                if failures.len() > MAX_DETAIL_LINES {
                    details.push(format!(
                        "... and {} more",
                        failures.len() - MAX_DETAIL_LINES
                    ));
                }
                let job = job_id
                    .map(|j| {
                        format!(
                            "; recorded as Failed job {j} (`licstore jobs items {j}`; \
                             `licstore jobs rerun {j}` retries it, or use --best-effort)"
                        )
                    })
                    .unwrap_or_default();
                format!(
                    "bulk operation refused, nothing applied: {} user(s) would fail{job}",
                    failures.len()
                )
            }
            other => other.to_string(),
        };
        Failure {
            exit,
            message,
            details,
        }
    }
}

/// What every command may use: the global options and standard output.
#[derive(Debug)]
pub struct Ctx {
    /// `--db` / `LICSTORE_DB`.
    pub db: Option<PathBuf>,
    /// `--actor` / `LICSTORE_ACTOR`.
    pub actor: Option<String>,
    /// `--as` / `LICSTORE_AS`: the principal a scoped handle acts for.
    pub principal: Option<String>,
    /// `--format`, when given.
    pub format: Option<OutputFormat>,
    /// Standard output.
    pub out: Stdout,
}

/// Quotes a path for a command the user can paste into a POSIX shell.
pub fn shell_quote(p: &Path) -> String {
    let s = p.display().to_string();
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./+=:,@%".contains(c))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

impl Ctx {
    /// The output format, or `default` when none was asked for.
    pub fn format_or(&self, default: OutputFormat) -> OutputFormat {
        self.format.unwrap_or(default)
    }

    /// `--db`, or a usage error.
    pub fn db_path(&self) -> Result<&Path, Failure> {
        self.db.as_deref().ok_or_else(|| {
            Failure::usage("no store given: pass --db FILE or set LICSTORE_DB")
                .hint("For more information, try '--help'.")
        })
    }

    fn with_actor(&self, mut store: Store) -> Result<Store, Failure> {
        if let Some(a) = &self.actor {
            store.set_actor(a)?;
        }
        Ok(store)
    }

    /// Opens the existing store; a missing file is an error that says how to create one.
    pub fn open_existing(&self) -> Result<Store, Failure> {
        let path = self.db_path()?;
        let opened = match &self.principal {
            Some(email) if self.actor.is_some() => {
                return Err(Failure::usage(format!(
                    "--actor cannot be combined with --as {email}: the principal is the actor"
                )))
            }
            Some(email) => Store::open_scoped(path, email),
            None => Store::open_existing(path),
        };
        match opened {
            Ok(s) => self.with_actor(s),
            Err(e) if e.code() == ErrorCode::NotFound => Err(Failure {
                exit: exit::exit_code(ErrorCode::NotFound),
                message: format!(
                    "{}: no such store; create it with `licstore --db {} init`",
                    path.display(),
                    shell_quote(path)
                ),
                details: vec![],
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Opens the store, creating it when the file does not exist.
    pub fn open_or_create(&self) -> Result<Store, Failure> {
        if self.principal.is_some() {
            return Err(Failure::usage(
                "--as acts within an existing store; it cannot create one",
            ));
        }
        let s = Store::open(self.db_path()?)?;
        self.with_actor(s)
    }

    /// Prints rows: a table for people, or the chosen script format.
    pub fn print_table(&mut self, t: &Table) -> Result<(), Failure> {
        let format = self.format_or(OutputFormat::Table);
        t.print(&mut self.out, format)?;
        Ok(())
    }

    /// Prints one record: field by field for people, a one-row table for scripts.
    pub fn print_record(&mut self, t: &Table) -> Result<(), Failure> {
        match self.format_or(OutputFormat::Table) {
            OutputFormat::Table => {
                let lines: Vec<Vec<String>> =
                    t.rows
                        .iter()
                        .flat_map(|r| {
                            t.columns.iter().zip(r).map(|(k, v)| {
                                vec![format!("{k}:"), crate::output::text(v.as_ref())]
                            })
                        })
                        .collect();
                write_aligned(&mut self.out, &lines, &[], false).map_err(|e| io_error(None, e))?;
            }
            f => t.print(&mut self.out, f)?,
        }
        Ok(())
    }

    /// Flushes standard output.
    pub fn flush(&mut self) -> Result<(), Failure> {
        self.out
            .flush()
            .map_err(|e| crate::output::io_error(None, e).into())
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<(), Failure> {
    let mut ctx = Ctx {
        db: cli.db,
        actor: cli.actor,
        principal: cli.as_principal,
        format: cli.format,
        out: Stdout::new(),
    };
    match cli.command {
        Command::Init => init::run(&mut ctx)?,
        Command::Customers(c) => customers::run(&mut ctx, c)?,
        Command::LicensingIds(c) => volume::licensing_ids(&mut ctx, c)?,
        Command::Products(c) => volume::products(&mut ctx, c)?,
        Command::Entitlements(c) => volume::entitlements(&mut ctx, c)?,
        Command::Principals(c) => access::principals(&mut ctx, c)?,
        Command::Roles(c) => access::roles_command(&mut ctx, c)?,
        Command::Requests(c) => access::requests(&mut ctx, c)?,
        Command::Summary(a) => volume::summary(&mut ctx, a)?,
        Command::Keys(c) => keys::run(&mut ctx, c)?,
        Command::Benefits(c) => benefits::benefits(&mut ctx, c)?,
        Command::Reservations(c) => benefits::reservations(&mut ctx, c)?,
        Command::Catalog(c) => online::catalog(&mut ctx, c)?,
        Command::Skus(c) => online::skus(&mut ctx, c)?,
        Command::Users(c) => online::users(&mut ctx, c)?,
        Command::Groups(c) => online::groups(&mut ctx, c)?,
        Command::Rules(c) => online::rules(&mut ctx, c)?,
        Command::Assign(a) => online::assign(&mut ctx, a)?,
        Command::Remove(a) => online::remove(&mut ctx, a)?,
        Command::Replace(a) => online::replace(&mut ctx, a)?,
        Command::Jobs(c) => online::jobs(&mut ctx, c)?,
        Command::Expire { now } => online::expire(&mut ctx, now)?,
        Command::Expiring { days, customer } => online::expiring(&mut ctx, days, customer)?,
        Command::Offboard { upn } => online::offboard(&mut ctx, upn)?,
        Command::Numbers(c) => online::numbers(&mut ctx, c)?,
        Command::Profiles(c) => online::profiles(&mut ctx, c)?,
        Command::Sync(c) => online::sync(&mut ctx, c)?,
        Command::History { customer, sku, at } => online::history(&mut ctx, customer, sku, at)?,
        Command::Sql(a) => sql::run(&mut ctx, a)?,
        Command::Audit(a) => audit::run(&mut ctx, a)?,
        Command::Import(a) => transfer::import(&mut ctx, a)?,
        Command::Export(a) => transfer::export(&mut ctx, a)?,
        Command::Report(a) => report::run(&mut ctx, a)?,
        Command::Demo(a) => demo::run(&mut ctx, a)?,
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "licstore", &mut ctx.out);
        }
    }
    ctx.flush()
}
