//! `licstore keys ...`: product keys, their activations, limit increases and the VLSC download
//! (docs/volume.md).
//!
//! Keys are secrets: every output shows them masked (`*****-*****-*****-*****-` and the last 5
//! characters), except `keys reveal` and `keys export-vlsc --reveal`, which the core records in
//! the audit log. A key is named by its id or by the key itself (never echoed back in full).

use std::io::{BufRead, Write};

use licstore::{
    Activation, ImportOptions, KeyType, LimitIncreaseRequest, NewProductKey, ProductKey, Store,
    Value, VlscExportOptions,
};

use super::customers::{import_with, same_file, write_replacing};
use super::volume::{opt_int, opt_text, text};
use super::{Ctx, Failure};
use crate::args::{
    ImportArgs, KeyAddArgs, KeysCommand, LimitRequestCommand, OutputFormat, VlscExportArgs,
};
use crate::output::{io_error, Table};

/// The key named by `s`: an id (digits only) or a key value.
pub fn resolve(store: &Store, s: &str) -> Result<ProductKey, Failure> {
    let t = s.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        let id = t
            .parse::<i64>()
            .map_err(|_| Failure::usage(format!("key id {t} is out of range")))?;
        Ok(store.product_key(id)?)
    } else {
        Ok(store.find_product_key(t)?)
    }
}

const KEY_COLUMNS: &[&str] = &[
    "id",
    "licensing_id",
    "product",
    "type",
    "key",
    "activation_limit",
    "activations_used",
    "activations_available",
    "host_limit",
    "hosts_used",
];

fn key_row(k: &ProductKey) -> Vec<Value> {
    vec![
        Value::Integer(k.id),
        text(&k.licensing_id),
        text(&k.product),
        text(k.key_type.as_str()),
        text(&k.masked),
        opt_int(k.activation_limit),
        Value::Integer(k.activations_used),
        opt_int(k.activations_available),
        opt_int(k.host_limit),
        Value::Integer(k.hosts_used),
    ]
}

fn key_table(keys: &[ProductKey]) -> Table {
    Table {
        rows: keys.iter().map(key_row).collect(),
        ..Table::new(KEY_COLUMNS)
    }
}

fn activation_table(k: &ProductKey, acts: &[Activation]) -> Table {
    Table {
        rows: acts
            .iter()
            .map(|a| {
                vec![
                    Value::Integer(a.id),
                    Value::Integer(a.key_id),
                    text(&k.masked),
                    text(&a.machine),
                    text(&a.activated_at),
                    text(a.method.as_str()),
                ]
            })
            .collect(),
        ..Table::new(&["id", "key_id", "key", "machine", "activated_at", "method"])
    }
}

fn request_table(reqs: &[LimitIncreaseRequest]) -> Table {
    Table {
        rows: reqs
            .iter()
            .map(|r| {
                vec![
                    Value::Integer(r.id),
                    Value::Integer(r.key_id),
                    text(&r.key_last5),
                    text(&r.licensing_id),
                    text(&r.product),
                    Value::Integer(r.activations_requested),
                    text(&r.justification),
                    text(r.status.as_str()),
                    text(&r.requested_at),
                    text(&r.requested_by),
                    opt_text(r.decided_at.as_ref()),
                    opt_text(r.decided_by.as_ref()),
                ]
            })
            .collect(),
        ..Table::new(&[
            "id",
            "key_id",
            "key_last5",
            "licensing_id",
            "product",
            "activations_requested",
            "justification",
            "status",
            "requested_at",
            "requested_by",
            "decided_at",
            "decided_by",
        ])
    }
}

/// One line for people on what a key has left after activations.
fn usage_line(k: &ProductKey) -> String {
    match (k.key_type, k.activation_limit, k.host_limit) {
        (KeyType::Mak, Some(limit), _) => format!(
            "{} {}: {} of {limit} activations used, {} available.",
            k.key_type,
            k.masked,
            k.activations_used,
            k.activations_available.unwrap_or(0)
        ),
        (KeyType::Kms, _, Some(hosts)) => format!(
            "{} {}: {} of {hosts} hosts used, {} activations.",
            k.key_type, k.masked, k.hosts_used, k.activations_used
        ),
        _ => format!(
            "{} {}: {} activations.",
            k.key_type, k.masked, k.activations_used
        ),
    }
}

/// Prints activations just recorded: the records, and for people what the key has left.
fn print_activations(
    ctx: &mut Ctx,
    store: &Store,
    key_id: i64,
    acts: &[Activation],
) -> Result<(), Failure> {
    let k = store.product_key(key_id)?;
    ctx.print_table(&activation_table(&k, acts))?;
    if ctx.format_or(OutputFormat::Table) == OutputFormat::Table {
        writeln!(ctx.out, "{}", usage_line(&k)).map_err(|e| io_error(None, e))?;
    }
    Ok(())
}

/// Reads one line from standard input (a key given as `-`).
fn read_stdin_line(what: &str) -> Result<String, Failure> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| io_error(Some(std::path::Path::new("<stdin>")), e))?;
    let line = line.trim().to_string();
    if line.is_empty() {
        return Err(Failure::usage(format!(
            "{what} `-`: standard input held no line"
        )));
    }
    Ok(line)
}

/// The machines of a proxy activation: the arguments, then the file's lines.
fn machines(args: Vec<String>, file: Option<std::path::PathBuf>) -> Result<Vec<String>, Failure> {
    let mut all = args;
    if let Some(f) = file {
        let content = if f.as_os_str() == "-" {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut s)
                .map_err(|e| io_error(Some(std::path::Path::new("<stdin>")), e))?;
            s
        } else {
            std::fs::read_to_string(&f).map_err(|e| io_error(Some(&f), e))?
        };
        all.extend(
            content
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from),
        );
    }
    Ok(all)
}

/// Runs a `keys` subcommand.
pub fn run(ctx: &mut Ctx, cmd: KeysCommand) -> Result<(), Failure> {
    match cmd {
        KeysCommand::Add(a) => add(ctx, a),
        KeysCommand::List { licensing_id } => {
            let store = ctx.open_existing()?;
            let keys = store.product_keys(licensing_id.as_deref())?;
            ctx.print_table(&key_table(&keys))
        }
        KeysCommand::Show { key } => {
            let store = ctx.open_existing()?;
            let k = resolve(&store, &key)?;
            ctx.print_record(&key_table(&[k]))
        }
        KeysCommand::Reveal { key, reason } => {
            let mut store = ctx.open_existing()?;
            let k = resolve(&store, &key)?;
            let full = store.reveal_key(k.id, &reason)?;
            let audited = format!(
                "recorded in the audit log as product_key.reveal by {}",
                store.actor()
            );
            let t = Table {
                rows: vec![vec![
                    Value::Integer(k.id),
                    text(&k.licensing_id),
                    text(&k.product),
                    text(k.key_type.as_str()),
                    text(full),
                    text(audited),
                ]],
                ..Table::new(&["id", "licensing_id", "product", "type", "key", "audit"])
            };
            ctx.print_record(&t)
        }
        KeysCommand::Activate { key, machine } => {
            let mut store = ctx.open_existing()?;
            let k = resolve(&store, &key)?;
            let a = store.activate_key(k.id, &machine)?;
            print_activations(ctx, &store, k.id, &[a])
        }
        KeysCommand::ProxyActivate {
            key,
            machines: args,
            machines_file,
        } => {
            let list = machines(args, machines_file)?;
            let mut store = ctx.open_existing()?;
            let k = resolve(&store, &key)?;
            let refs: Vec<&str> = list.iter().map(String::as_str).collect();
            let acts = store.proxy_activate(k.id, &refs)?;
            print_activations(ctx, &store, k.id, &acts)
        }
        KeysCommand::Activations { key } => {
            let store = ctx.open_existing()?;
            let k = resolve(&store, &key)?;
            let acts = store.key_activations(k.id)?;
            ctx.print_table(&activation_table(&k, &acts))
        }
        KeysCommand::ImportVlsc(a) => import_with(
            ctx,
            ImportArgs {
                file: a.file,
                // The delimiter is detected from the header line.
                tsv: false,
                skip_invalid: a.skip_invalid,
                rejects: a.rejects,
            },
            |store, input, opts: ImportOptions<'_>| store.import_vlsc_keys(input, opts),
        ),
        KeysCommand::ExportVlsc(a) => export(ctx, a),
        KeysCommand::LimitRequest(c) => limit_request(ctx, c),
    }
}

fn add(ctx: &mut Ctx, a: KeyAddArgs) -> Result<(), Failure> {
    let key_type = a.key_type.parse::<KeyType>()?;
    let key = if a.key == "-" {
        read_stdin_line("KEY")?
    } else {
        a.key
    };
    let mut store = ctx.open_existing()?;
    let k = store.add_product_key(&NewProductKey {
        licensing_id: a.licensing_id,
        product: a.product,
        key,
        key_type,
        activation_limit: a.limit,
        baseline_used: a.baseline,
    })?;
    ctx.print_record(&key_table(&[k]))
}

fn export(ctx: &mut Ctx, a: VlscExportArgs) -> Result<(), Failure> {
    let comma = match ctx.format_or(OutputFormat::Tsv) {
        OutputFormat::Tsv => false,
        OutputFormat::Csv => true,
        _ => {
            return Err(Failure::usage(
                "keys export-vlsc writes VLSC's tsv (the default) or csv; use `keys list` for \
                 a table or json",
            ))
        }
    };
    let opts = VlscExportOptions {
        licensing_id: a.licensing_id,
        reveal: a.reveal,
        comma,
    };
    let mut store = ctx.open_existing()?;
    match a.output {
        None => {
            store.export_vlsc_keys(&mut ctx.out, &opts)?;
        }
        Some(path) => {
            if same_file(&path, ctx.db_path()?) {
                return Err(Failure::usage(format!(
                    "-o {}: that is the store; name another file",
                    path.display()
                )));
            }
            write_replacing(&path, |w| {
                store.export_vlsc_keys(w, &opts)?;
                Ok(())
            })?
        }
    }
    Ok(())
}

fn limit_request(ctx: &mut Ctx, cmd: LimitRequestCommand) -> Result<(), Failure> {
    match cmd {
        LimitRequestCommand::Add {
            key,
            activations,
            justification,
        } => {
            let mut store = ctx.open_existing()?;
            let k = resolve(&store, &key)?;
            let r = store.request_limit_increase(k.id, activations, &justification)?;
            ctx.print_record(&request_table(&[r]))
        }
        LimitRequestCommand::Decide { request, grant, .. } => {
            let mut store = ctx.open_existing()?;
            let r = store.decide_limit_increase(request, grant)?;
            ctx.print_record(&request_table(&[r]))
        }
        LimitRequestCommand::List { key } => {
            let store = ctx.open_existing()?;
            let id = key.map(|k| resolve(&store, &k)).transpose()?.map(|k| k.id);
            let all = store.limit_increase_requests(id)?;
            ctx.print_table(&request_table(&all))
        }
    }
}
