//! The online-services commands (docs/online.md): catalog, skus, users, groups, rules,
//! assign / remove / replace with preview and confirmation, jobs, expire, expiring, offboard,
//! numbers, profiles, sync and history.

use std::fs::File;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::ops::ControlFlow;

use licstore::{
    AssignOptions, BulkMode, BulkOp, BulkOutcome, BulkPreview, BulkRequest, ErrorCode, Format,
    HeldBy, ItemOutcome, ItemResult, Job, JobProgress, NewSku, NewSubscriber, Params, Profile,
    ReplaceFrom, Sku, SkuChangeKind, SkuRule, Store, SubscriberFilter, SubscriberStatus,
    SubscriberUpdate, Targets, Units, UserChangeKind, Value,
};

use super::customers::{same_file, write_replacing};
use super::volume::{opt_int, opt_text, text};
use super::{Ctx, Failure, MAX_DETAIL_LINES};
use crate::args::{
    AssignArgs, AssignOptionArgs, CatalogCommand, GroupsCommand, JobsCommand, NumbersCommand,
    OutputFormat, ProfilesCommand, RemoveArgs, ReplaceArgs, RuleAdd, RulesCommand, RunArgs,
    SkusCommand, SyncArgs, SyncCommand, TargetArgs, UsersCommand,
};
use crate::exit::exit_code;
use crate::output::{io_error, json_err, Table};
use crate::progress::{Bar, Cancellable};

fn int(n: impl Into<i64>) -> Value {
    Value::Integer(n.into())
}

fn count(n: u64) -> Value {
    Value::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

// ---------------------------------------------------------------------------------------------
// Catalog

/// Runs a `catalog` subcommand.
pub fn catalog(ctx: &mut Ctx, cmd: CatalogCommand) -> Result<(), Failure> {
    match cmd {
        CatalogCommand::Show { sku } => {
            let mut store = ctx.open_existing()?;
            let c = store.catalog_sku(&sku)?;
            let head = Table {
                rows: vec![vec![
                    text(&c.display_name),
                    text(&c.part_number),
                    text(&c.sku_id),
                    count(c.plans.len() as u64),
                ]],
                ..Table::new(&["display_name", "sku_part_number", "sku_id", "service_plans"])
            };
            let plans = Table {
                rows: c
                    .plans
                    .iter()
                    .map(|(id, name, friendly)| vec![text(friendly), text(name), text(id)])
                    .collect(),
                ..Table::new(&["plan_display_name", "plan_name", "plan_id"])
            };
            match ctx.format_or(OutputFormat::Table) {
                OutputFormat::Table => {
                    ctx.print_record(&head)?;
                    writeln!(ctx.out).map_err(|e| io_error(None, e))?;
                    ctx.print_table(&plans)
                }
                OutputFormat::Json => {
                    let v = serde_json::to_value(&c).map_err(json_err)?;
                    write_json(ctx, &v)
                }
                // One row per service plan, the SKU's fields repeated.
                _ => {
                    let mut t = Table::new(&[
                        "display_name",
                        "sku_part_number",
                        "sku_id",
                        "plan_display_name",
                        "plan_name",
                        "plan_id",
                    ]);
                    for p in &plans.rows {
                        let mut row = head.rows[0][..3].to_vec();
                        row.extend(p.iter().cloned());
                        t.rows.push(row);
                    }
                    ctx.print_table(&t)
                }
            }
        }
        CatalogCommand::Search { name } => {
            let mut store = ctx.open_existing()?;
            let ids = store.catalog_by_name(&name)?;
            let mut t = Table::new(&["display_name", "sku_part_number", "sku_id", "service_plans"]);
            for id in ids {
                let c = store.catalog_sku(&id)?;
                t.rows.push(vec![
                    text(&c.display_name),
                    text(&c.part_number),
                    text(&c.sku_id),
                    count(c.plans.len() as u64),
                ]);
            }
            ctx.print_table(&t)
        }
        CatalogCommand::Import { file } => {
            let f = File::open(&file).map_err(|e| io_error(Some(&file), e))?;
            let mut store = ctx.open_existing()?;
            let r =
                store.import_catalog(std::io::BufReader::new(f), &file.display().to_string())?;
            ctx.print_record(&Table {
                rows: vec![vec![
                    text(&r.source),
                    count(r.skus),
                    count(r.plans),
                    count(r.duplicate_rows),
                ]],
                ..Table::new(&["source", "skus", "plans", "duplicate_rows"])
            })
        }
    }
}

fn write_json(ctx: &mut Ctx, v: &serde_json::Value) -> Result<(), Failure> {
    serde_json::to_writer_pretty(&mut ctx.out, v).map_err(json_err)?;
    writeln!(ctx.out).map_err(|e| io_error(None, e))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// SKUs

/// The columns of SKU usage for scripts: those of the `sku_usage` view.
pub const SKU_COLUMNS: &[&str] = &[
    "customer",
    "display_name",
    "sku_part_number",
    "sku_id",
    "capability_status",
    "applies_to",
    "enabled_units",
    "warning_units",
    "suspended_units",
    "locked_out_units",
    "term_end",
    "assigned",
    "available",
    "reported_consumed",
    "drift",
];

/// SKU usage for scripts: every column of the `sku_usage` view.
pub fn sku_table(skus: &[Sku]) -> Table {
    Table {
        rows: skus
            .iter()
            .map(|k| {
                vec![
                    text(&k.customer),
                    text(&k.display_name),
                    text(&k.sku_part_number),
                    text(&k.sku_id),
                    text(&k.capability_status),
                    text(&k.applies_to),
                    int(k.units.enabled),
                    int(k.units.warning),
                    int(k.units.suspended),
                    int(k.units.locked_out),
                    opt_text(k.term_end.as_ref()),
                    int(k.assigned),
                    int(k.available),
                    opt_int(k.reported_consumed),
                    opt_int(k.drift),
                ]
            })
            .collect(),
        ..Table::new(SKU_COLUMNS)
    }
}

/// SKU usage as people read it: friendly name first, the figures that matter.
pub fn sku_people_table(skus: &[Sku]) -> Table {
    Table {
        rows: skus
            .iter()
            .map(|k| {
                vec![
                    text(&k.customer),
                    text(&k.display_name),
                    text(&k.sku_part_number),
                    text(&k.capability_status),
                    int(k.units.enabled),
                    int(k.units.warning),
                    int(k.assigned),
                    int(k.available),
                    opt_int(k.drift),
                    opt_text(k.term_end.as_ref()),
                ]
            })
            .collect(),
        ..Table::new(&[
            "customer",
            "sku",
            "part_number",
            "status",
            "enabled",
            "warning",
            "assigned",
            "available",
            "drift",
            "term_end",
        ])
    }
}

/// Every customer's SKUs (or one customer's), by customer then friendly name.
pub fn all_skus(store: &Store, customer: Option<&str>) -> licstore::Result<Vec<Sku>> {
    match customer {
        Some(c) => store.sku_usage(c),
        None => {
            let mut all = vec![];
            for c in store.customers()? {
                all.extend(store.sku_usage(&c.name)?);
            }
            Ok(all)
        }
    }
}

fn print_skus(ctx: &mut Ctx, skus: &[Sku]) -> Result<(), Failure> {
    if ctx.format_or(OutputFormat::Table) == OutputFormat::Table {
        ctx.print_table(&sku_people_table(skus))
    } else {
        ctx.print_table(&sku_table(skus))
    }
}

/// Runs a `skus` subcommand.
pub fn skus(ctx: &mut Ctx, cmd: SkusCommand) -> Result<(), Failure> {
    match cmd {
        SkusCommand::Set(a) => {
            let mut store = ctx.open_existing()?;
            let k = store.set_sku(&NewSku {
                customer: a.customer,
                sku: a.sku,
                units: Units {
                    enabled: a.enabled,
                    warning: a.warning,
                    suspended: a.suspended,
                    locked_out: a.locked_out,
                },
                capability_status: a.status,
                applies_to: a.applies_to,
                term_end: a.term_end,
                reported_consumed: a.reported_consumed,
            })?;
            ctx.print_record(&sku_table(&[k]))
        }
        SkusCommand::List { customer } => {
            let store = ctx.open_existing()?;
            let all = all_skus(&store, customer.as_deref())?;
            print_skus(ctx, &all)
        }
        SkusCommand::Show { sku, customer } => {
            let store = ctx.open_existing()?;
            let k = store.sku(&customer, &sku)?;
            ctx.print_record(&sku_table(&[k]))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Users

const USER_COLUMNS: &[&str] = &[
    "user_principal_name",
    "customer",
    "display_name",
    "department",
    "usage_location",
    "status",
    "object_id",
];

fn user_row(s: &licstore::Subscriber) -> Vec<Value> {
    vec![
        text(&s.user_principal_name),
        text(&s.customer),
        opt_text(s.display_name.as_ref()),
        opt_text(s.department.as_ref()),
        opt_text(s.usage_location.as_ref()),
        text(s.status.as_str()),
        opt_text(s.object_id.as_ref()),
    ]
}

fn status_opt(s: Option<&str>) -> licstore::Result<Option<SubscriberStatus>> {
    s.map(SubscriberStatus::parse).transpose()
}

/// `Some(None)` to clear, `Some(Some(v))` to set, `None` to keep.
fn change(value: Option<String>, clear: bool) -> Option<Option<String>> {
    if clear {
        Some(None)
    } else {
        value.map(Some)
    }
}

/// Runs a `users` subcommand.
pub fn users(ctx: &mut Ctx, cmd: UsersCommand) -> Result<(), Failure> {
    match cmd {
        UsersCommand::Add(a) => {
            let status = status_opt(a.status.as_deref())?.unwrap_or_default();
            let mut store = ctx.open_existing()?;
            let s = store.add_subscriber(&NewSubscriber {
                customer: a.customer,
                user_principal_name: a.upn,
                display_name: a.display_name,
                usage_location: a.usage_location,
                department: a.department,
                object_id: a.object_id,
                status,
            })?;
            ctx.print_record(&Table {
                rows: vec![user_row(&s)],
                ..Table::new(USER_COLUMNS)
            })
        }
        UsersCommand::List { customer } => {
            let store = ctx.open_existing()?;
            let all = store.subscribers(&customer)?;
            ctx.print_table(&Table {
                rows: all.iter().map(user_row).collect(),
                ..Table::new(USER_COLUMNS)
            })
        }
        UsersCommand::Show { upn } => {
            let store = ctx.open_existing()?;
            let s = store.subscriber(&upn)?;
            let lic = store.licenses(&upn)?;
            let names: Vec<&str> = lic.iter().map(|(_, n, _)| n.as_str()).collect();
            let mut t = Table {
                rows: vec![user_row(&s)],
                ..Table::new(USER_COLUMNS)
            };
            t.columns.push("licenses".into());
            t.rows[0].push(text(names.join("; ")));
            if ctx.format_or(OutputFormat::Table) != OutputFormat::Table {
                return ctx.print_record(&t);
            }
            ctx.print_record(&t)?;
            writeln!(ctx.out).map_err(|e| io_error(None, e))?;
            ctx.print_table(&Table {
                rows: lic
                    .iter()
                    .map(|(id, n, exp)| vec![text(n), text(id), opt_text(exp.as_ref())])
                    .collect(),
                ..Table::new(&["license", "sku_id", "expires_at"])
            })
        }
        UsersCommand::Import(a) => super::customers::import_with(ctx, a, |store, input, opts| {
            store.import_entity(licstore::Entity::Subscribers, input, opts)
        }),
        UsersCommand::Update(a) => {
            let u = SubscriberUpdate {
                display_name: change(a.display_name, a.clear_display_name),
                usage_location: change(a.usage_location, a.clear_usage_location),
                department: change(a.department, a.clear_department),
                object_id: a.object_id.map(Some),
                status: status_opt(a.status.as_deref())?,
            };
            if u == SubscriberUpdate::default() {
                return Err(
                    Failure::usage("nothing to change: give at least one option")
                        .hint("For more information, try 'licstore users update --help'."),
                );
            }
            let mut store = ctx.open_existing()?;
            let s = store.update_subscriber(&a.upn, &u)?;
            ctx.print_record(&Table {
                rows: vec![user_row(&s)],
                ..Table::new(USER_COLUMNS)
            })
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Groups and rules

/// Runs a `groups` subcommand.
pub fn groups(ctx: &mut Ctx, cmd: GroupsCommand) -> Result<(), Failure> {
    match cmd {
        GroupsCommand::Add { name, customer } => {
            let mut store = ctx.open_existing()?;
            store.add_group(&customer, &name)?;
            let c = store.customer(&customer)?;
            ctx.print_record(&Table {
                rows: vec![vec![text(c.name), text(name.trim()), int(0)]],
                ..Table::new(&["customer", "group", "members"])
            })
        }
        GroupsCommand::Members { name, customer } => {
            let store = ctx.open_existing()?;
            let m = store.group_members(&customer, &name)?;
            ctx.print_table(&Table {
                rows: m.into_iter().map(|u| vec![text(u)]).collect(),
                ..Table::new(&["user_principal_name"])
            })
        }
        GroupsCommand::AddMembers {
            name,
            upns,
            customer,
        } => {
            let mut store = ctx.open_existing()?;
            let refs: Vec<&str> = upns.iter().map(String::as_str).collect();
            let added = store.add_group_members(&customer, &name, &refs)?;
            let total = store.group_members(&customer, &name)?.len();
            ctx.print_record(&Table {
                rows: vec![vec![text(name.trim()), count(added), count(total as u64)]],
                ..Table::new(&["group", "added", "members"])
            })
        }
    }
}

/// Runs a `rules` subcommand.
pub fn rules(ctx: &mut Ctx, cmd: RulesCommand) -> Result<(), Failure> {
    match cmd {
        RulesCommand::Add(r) => {
            let rule = match r {
                RuleAdd::Requires { sku, any_of } => SkuRule::Requires { sku, any_of },
                RuleAdd::Excludes { sku, other } => SkuRule::Excludes { sku, other },
                RuleAdd::BlockedIn { sku, countries } => SkuRule::BlockedIn { sku, countries },
            };
            let mut store = ctx.open_existing()?;
            store.add_sku_rule(&rule)?;
            let t = rules_table(&mut store, &[rule])?;
            ctx.print_record(&t)
        }
        RulesCommand::List => {
            let mut store = ctx.open_existing()?;
            let rules = store.sku_rules()?;
            let t = rules_table(&mut store, &rules)?;
            ctx.print_table(&t)
        }
    }
}

fn friendly(store: &mut Store, sku: &str) -> licstore::Result<String> {
    let c = store.catalog_sku(sku)?;
    Ok(format!("{} ({})", c.display_name, c.part_number))
}

fn rules_table(store: &mut Store, rules: &[SkuRule]) -> licstore::Result<Table> {
    let mut t = Table::new(&["kind", "sku", "other"]);
    for r in rules {
        let (kind, sku, other) = match r {
            SkuRule::Requires { sku, any_of } => {
                let o: Vec<String> = any_of
                    .iter()
                    .map(|s| friendly(store, s))
                    .collect::<licstore::Result<_>>()?;
                ("requires any of", sku, o.join("; "))
            }
            SkuRule::Excludes { sku, other } => ("excludes", sku, friendly(store, other)?),
            SkuRule::BlockedIn { sku, countries } => {
                ("blocked in", sku, countries.join("; ").to_ascii_uppercase())
            }
        };
        t.rows
            .push(vec![text(kind), text(friendly(store, sku)?), text(other)]);
    }
    Ok(t)
}

// ---------------------------------------------------------------------------------------------
// Bulk assign / remove / replace

fn assign_options(o: AssignOptionArgs) -> AssignOptions {
    AssignOptions {
        expires_at: o.expires,
        usage_location: o.usage_location,
        disabled_plans: o.disabled_plans,
        take_number: o.take_number,
    }
}

fn filter(items: &[String]) -> Result<SubscriberFilter, Failure> {
    let mut f = SubscriberFilter::default();
    for it in items {
        let Some((k, v)) = it.split_once('=') else {
            return Err(Failure::usage(format!(
                "--filter {it}: expected FIELD=VALUE (department, usage-location, status or domain)"
            )));
        };
        let key = k.trim().to_ascii_lowercase().replace('_', "-");
        let v = v.trim().to_string();
        let slot_taken = match key.as_str() {
            "department" => f.department.replace(v).is_some(),
            "usage-location" | "location" => f.usage_location.replace(v).is_some(),
            "domain" => f.domain.replace(v).is_some(),
            "status" => f.status.replace(SubscriberStatus::parse(&v)?).is_some(),
            _ => {
                return Err(Failure::usage(format!(
                    "--filter {it}: unknown field {k:?}; use department, usage-location, status or domain"
                )))
            }
        };
        if slot_taken {
            return Err(Failure::usage(format!("--filter: {key} is given twice")));
        }
    }
    Ok(f)
}

/// The request's customer and targets.
fn targets(store: &Store, t: TargetArgs) -> Result<(String, Targets, u64), Failure> {
    let (targets, n) = if !t.users.is_empty() {
        let n = t.users.len() as u64;
        (Targets::Users(t.users.clone()), n)
    } else if !t.groups.is_empty() {
        (Targets::Groups(t.groups.clone()), u64::MAX)
    } else if !t.filter.is_empty() {
        (Targets::Filter(filter(&t.filter)?), u64::MAX)
    } else {
        return Err(
            Failure::usage("no users given: name them with --user, --group or --filter")
                .hint("For more information, try '--help'."),
        );
    };
    let customer = match (t.customer, t.users.first()) {
        (Some(c), _) => c,
        (None, Some(u)) => store.subscriber(u)?.customer,
        (None, None) => {
            return Err(Failure::usage(
                "--customer is required with --group and --filter",
            ))
        }
    };
    Ok((customer, targets, n))
}

fn held_by(h: HeldBy) -> &'static str {
    match h {
        HeldBy::All => "all",
        HeldBy::Some => "some",
        HeldBy::None => "none",
    }
}

fn outcome(o: ItemOutcome) -> &'static str {
    match o {
        ItemOutcome::Ok => "ok",
        ItemOutcome::Skipped => "skipped",
        ItemOutcome::Error => "error",
    }
}

fn preview_sku_table(p: &BulkPreview) -> Table {
    Table {
        rows: p
            .skus
            .iter()
            .map(|k| {
                vec![
                    text(&k.display_name),
                    text(&k.sku_part_number),
                    text(held_by(k.held_by)),
                    count(k.holders),
                    count(k.seats_needed),
                    count(k.seats_freed),
                    int(k.seats_available),
                    text(
                        // Short when the run needs more seats than are free after its removals.
                        if i128::from(k.seats_needed)
                            > i128::from(k.seats_available) + i128::from(k.seats_freed)
                        {
                            "short"
                        } else {
                            ""
                        },
                    ),
                ]
            })
            .collect(),
        ..Table::new(&[
            "sku",
            "part_number",
            "held_by",
            "holders",
            "seats_needed",
            "seats_freed",
            "seats_available",
            "shortfall",
        ])
    }
}

fn failures_table(items: &[&ItemResult], limit: usize) -> Table {
    Table {
        rows: items
            .iter()
            .take(limit)
            .map(|i| {
                vec![
                    text(&i.subject),
                    opt_text(i.code.as_ref()),
                    opt_text(i.message.as_ref()),
                ]
            })
            .collect(),
        ..Table::new(&["user_principal_name", "code", "message"])
    }
}

/// Prints a preview for people: the SKU table, one line of counts, and the failures.
fn print_preview_people(
    out: &mut dyn Write,
    p: &BulkPreview,
    what: &str,
    customer: &str,
    mode: BulkMode,
) -> Result<(), Failure> {
    let io = |e| io_error(None, e);
    writeln!(
        out,
        "Preview: {what} for {} user(s) of {customer} (nothing written)",
        p.targets
    )
    .map_err(io)?;
    preview_sku_table(p).print(out, OutputFormat::Table)?;
    writeln!(
        out,
        "{} would change, {} nothing to do, {} would fail",
        p.ok,
        p.skipped,
        p.failures.len()
    )
    .map_err(io)?;
    if !p.failures.is_empty() {
        let refs: Vec<&ItemResult> = p.failures.iter().collect();
        writeln!(out).map_err(io)?;
        failures_table(&refs, usize::MAX).print(out, OutputFormat::Table)?;
        if mode == BulkMode::Atomic {
            writeln!(
                out,
                "An atomic run would be refused and apply nothing; --best-effort applies the {} that pass.",
                p.ok
            )
            .map_err(io)?;
        }
    }
    Ok(())
}

fn print_preview(
    ctx: &mut Ctx,
    p: &BulkPreview,
    what: &str,
    customer: &str,
    mode: BulkMode,
) -> Result<(), Failure> {
    match ctx.format_or(OutputFormat::Table) {
        OutputFormat::Table => print_preview_people(&mut ctx.out, p, what, customer, mode),
        OutputFormat::Json => {
            let mut v = serde_json::to_value(p).map_err(json_err)?;
            v["customer"] = customer.into();
            v["would_refuse"] = (mode == BulkMode::Atomic && !p.failures.is_empty()).into();
            write_json(ctx, &v)
        }
        // Scripts that want rows get the per-SKU table; the failures are in the json form.
        _ => ctx.print_table(&preview_sku_table(p)),
    }
}

/// Asks "apply?" on the terminal; anything but y/yes cancels.
fn confirm(question: &str) -> Result<(), Failure> {
    let mut err = std::io::stderr();
    let _ = write!(err, "{question} [y/N] ");
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| io_error(Some(std::path::Path::new("<stdin>")), e))?;
    if matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(Failure {
            exit: exit_code(licstore::ErrorCode::Interrupted),
            message: "cancelled; nothing applied".into(),
            details: vec![],
        })
    }
}

fn bulk(
    ctx: &mut Ctx,
    what: &str,
    op: BulkOp,
    t: TargetArgs,
    run: RunArgs,
    always_destructive: bool,
) -> Result<(), Failure> {
    let mut store = ctx.open_existing()?;
    let (customer, targets, n) = targets(&store, t)?;
    let mode = if run.best_effort {
        BulkMode::BestEffort
    } else {
        BulkMode::Atomic
    };
    let req = BulkRequest {
        customer: store.customer(&customer)?.name,
        targets,
        op,
        mode,
    };
    if run.preview {
        let p = store.preview_bulk(&req)?;
        return print_preview(ctx, &p, what, &req.customer, mode);
    }
    let destructive = always_destructive || n > 1;
    if destructive && !run.yes && std::io::stdin().is_terminal() {
        let p = store.preview_bulk(&req)?;
        print_preview_people(&mut std::io::stderr(), &p, what, &req.customer, mode)?;
        confirm(&format!(
            "Apply to {} user(s) of {}?",
            p.targets, req.customer
        ))?;
    }
    let o = with_job_progress(what, if n == u64::MAX { 0 } else { n }, |progress| {
        store.run_bulk_with_progress(&req, progress)
    })?;
    print_outcome(ctx, &store, &o)
}

/// Runs a job with a progress bar (on a terminal) over `total` users (0 when not known yet:
/// the first report says), Ctrl-C cancelling it: rolled back, no job written, exit 10.
fn with_job_progress(
    what: &str,
    total: u64,
    run: impl FnOnce(&mut dyn FnMut(JobProgress) -> ControlFlow<()>) -> licstore::Result<BulkOutcome>,
) -> Result<BulkOutcome, Failure> {
    let cancel = Cancellable::begin();
    let bar = Bar::users(what, total);
    let result = run(&mut |p: JobProgress| {
        bar.set_len(p.total);
        bar.set(p.done);
        cancel.check()
    });
    drop(bar);
    let o = match result {
        Err(e) if e.code() == ErrorCode::Interrupted && cancel.interrupted() => {
            return Err(Failure {
                exit: exit_code(ErrorCode::Interrupted),
                message: format!(
                    "{what}: interrupted (Ctrl-C); nothing was applied and no job was recorded"
                ),
                details: vec![],
            })
        }
        r => r?,
    };
    cancel.finished(&format!("the {what} run"));
    Ok(o)
}

const JOB_COLUMNS: &[&str] = &[
    "job_id",
    "customer",
    "kind",
    "status",
    "ok",
    "skipped",
    "failed",
    "rerun_of",
    "actor",
    "created_at",
    "finished_at",
];

fn job_row(j: &Job) -> Vec<Value> {
    vec![
        int(j.id),
        opt_text(j.customer.as_ref()),
        text(&j.kind),
        text(format!("{:?}", j.status)),
        count(j.ok),
        count(j.skipped),
        count(j.failed),
        opt_int(j.rerun_of),
        text(&j.actor),
        text(&j.created_at),
        opt_text(j.finished_at.as_ref()),
    ]
}

/// Prints the job of an applied run; for people, its failures (best effort) and how to rerun.
fn print_outcome(ctx: &mut Ctx, store: &Store, o: &BulkOutcome) -> Result<(), Failure> {
    let job = store.job(o.job_id)?;
    ctx.print_record(&Table {
        rows: vec![job_row(&job)],
        ..Table::new(JOB_COLUMNS)
    })?;
    if o.failed > 0 && ctx.format_or(OutputFormat::Table) == OutputFormat::Table {
        let items = store.job_items(o.job_id)?;
        let failed: Vec<&ItemResult> = items
            .iter()
            .filter(|i| i.outcome == ItemOutcome::Error)
            .collect();
        let io = |e| io_error(None, e);
        writeln!(ctx.out).map_err(io)?;
        failures_table(&failed, MAX_DETAIL_LINES).print(&mut ctx.out, OutputFormat::Table)?;
        if failed.len() > MAX_DETAIL_LINES {
            writeln!(ctx.out, "... and {} more", failed.len() - MAX_DETAIL_LINES).map_err(io)?;
        }
        writeln!(
            ctx.out,
            "{} user(s) failed: `licstore jobs items {} --errors` lists them; \
             `licstore jobs rerun {}` retries only them.",
            o.failed, o.job_id, o.job_id
        )
        .map_err(io)?;
    }
    Ok(())
}

/// `assign`
pub fn assign(ctx: &mut Ctx, a: AssignArgs) -> Result<(), Failure> {
    let op = BulkOp::Assign {
        skus: a.skus,
        options: assign_options(a.options),
    };
    bulk(ctx, "assign", op, a.targets, a.run, false)
}

/// `remove`
pub fn remove(ctx: &mut Ctx, a: RemoveArgs) -> Result<(), Failure> {
    let op = BulkOp::Remove { skus: a.skus };
    bulk(ctx, "remove", op, a.targets, a.run, true)
}

/// `replace`
pub fn replace(ctx: &mut Ctx, a: ReplaceArgs) -> Result<(), Failure> {
    let op = BulkOp::Replace {
        from: if a.from_all {
            ReplaceFrom::All
        } else {
            ReplaceFrom::Skus(a.from)
        },
        to: a.to,
        options: assign_options(a.options),
    };
    bulk(ctx, "replace", op, a.targets, a.run, true)
}

// ---------------------------------------------------------------------------------------------
// Jobs

/// Runs a `jobs` subcommand.
pub fn jobs(ctx: &mut Ctx, cmd: JobsCommand) -> Result<(), Failure> {
    match cmd {
        JobsCommand::List { customer, last } => {
            let mut store = ctx.open_existing()?;
            if let Some(c) = &customer {
                store.customer(c)?;
            }
            let limit = last.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
            let r = store.query(
                "SELECT job_id, customer, kind, status, ok, skipped, failed, rerun_of, actor, created_at, finished_at \
                 FROM jobs WHERE ?1 IS NULL OR customer = ?1 COLLATE NOCASE ORDER BY job_id DESC LIMIT ?2",
                &Params::Positional(vec![
                    customer.map_or(Value::Null, Value::Text),
                    Value::Integer(limit),
                ]),
            )?;
            ctx.print_table(&r.into())
        }
        JobsCommand::Show { id } => {
            let store = ctx.open_existing()?;
            let j = store.job(id)?;
            let mut t = Table {
                rows: vec![job_row(&j)],
                ..Table::new(JOB_COLUMNS)
            };
            t.columns.push("started_at".into());
            t.rows[0].push(opt_text(j.started_at.as_ref()));
            t.columns.push("parameters".into());
            t.rows[0].push(text(&j.parameters));
            ctx.print_record(&t)
        }
        JobsCommand::Items { id, errors } => {
            let store = ctx.open_existing()?;
            let items = store.job_items(id)?;
            ctx.print_table(&Table {
                rows: items
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| !errors || i.outcome == ItemOutcome::Error)
                    .map(|(n, i)| {
                        vec![
                            count(n as u64 + 1),
                            text(&i.subject),
                            text(outcome(i.outcome)),
                            opt_text(i.code.as_ref()),
                            opt_text(i.message.as_ref()),
                        ]
                    })
                    .collect(),
                ..Table::new(&["item", "user_principal_name", "outcome", "code", "message"])
            })
        }
        JobsCommand::Export { id, output } => {
            let format = match ctx.format_or(OutputFormat::Csv) {
                OutputFormat::Csv => Format::Csv,
                OutputFormat::Tsv => Format::Tsv,
                OutputFormat::Jsonl => Format::JsonLines,
                _ => {
                    return Err(Failure::usage(
                        "jobs export writes csv, tsv or jsonl (use `jobs items` for a table)",
                    ))
                }
            };
            let mut store = ctx.open_existing()?;
            match output {
                None => {
                    store.export_job_items(id, format, &mut ctx.out)?;
                }
                Some(path) => {
                    if same_file(&path, ctx.db_path()?) {
                        return Err(Failure::usage(format!(
                            "-o {}: that is the store; name another file",
                            path.display()
                        )));
                    }
                    store.job(id)?;
                    write_replacing(&path, |w| {
                        store.export_job_items(id, format, w)?;
                        Ok(())
                    })?;
                }
            }
            Ok(())
        }
        JobsCommand::Rerun { id } => {
            let mut store = ctx.open_existing()?;
            let o = with_job_progress("rerun", 0, |progress| {
                store.rerun_job_with_progress(id, progress)
            })?;
            print_outcome(ctx, &store, &o)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Expiry, offboarding, numbers, profiles, history

/// `expire [--now WHEN]`
pub fn expire(ctx: &mut Ctx, now: Option<String>) -> Result<(), Failure> {
    let mut store = ctx.open_existing()?;
    let now = now.unwrap_or_else(|| store.now().format("%Y-%m-%dT%H:%M:%SZ").to_string());
    let o = with_job_progress("expire", 0, |progress| {
        store.expire_with_progress(&now, progress)
    })?;
    print_outcome(ctx, &store, &o)
}

/// `expiring [--days N] [--customer C]`
pub fn expiring(ctx: &mut Ctx, days: u32, customer: Option<String>) -> Result<(), Failure> {
    let store = ctx.open_existing()?;
    let all = store.expiring(days, customer.as_deref())?;
    ctx.print_table(&Table {
        rows: all
            .iter()
            .map(|e| {
                vec![
                    text(&e.at),
                    text(&e.kind),
                    text(&e.customer),
                    opt_text(e.user_principal_name.as_ref()),
                    text(&e.display_name),
                    text(&e.sku_id),
                ]
            })
            .collect(),
        ..Table::new(&[
            "at",
            "kind",
            "customer",
            "user_principal_name",
            "display_name",
            "sku_id",
        ])
    })
}

/// `offboard UPN`
pub fn offboard(ctx: &mut Ctx, upn: String) -> Result<(), Failure> {
    let mut store = ctx.open_existing()?;
    let n = store.offboard(&upn)?;
    let s = store.subscriber(&upn)?;
    ctx.print_record(&Table {
        rows: vec![vec![
            text(&s.user_principal_name),
            text(&s.customer),
            text(s.status.as_str()),
            count(n),
        ]],
        ..Table::new(&[
            "user_principal_name",
            "customer",
            "status",
            "licenses_removed",
        ])
    })
}

/// Runs a `numbers` subcommand.
pub fn numbers(ctx: &mut Ctx, cmd: NumbersCommand) -> Result<(), Failure> {
    let list = |store: &mut Store, customer: Option<String>| -> licstore::Result<Table> {
        Ok(store
            .query(
                "SELECT number, customer, status, user_principal_name, assigned_name, updated_at FROM numbers \
                 WHERE ?1 IS NULL OR customer = ?1 COLLATE NOCASE ORDER BY customer, number",
                &Params::Positional(vec![customer.map_or(Value::Null, Value::Text)]),
            )?
            .into())
    };
    match cmd {
        NumbersCommand::Add { numbers, customer } => {
            let mut store = ctx.open_existing()?;
            let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
            let n = store.add_numbers(&customer, &refs)?;
            ctx.print_record(&Table {
                rows: vec![vec![text(store.customer(&customer)?.name), count(n)]],
                ..Table::new(&["customer", "added"])
            })
        }
        NumbersCommand::List { customer } => {
            let mut store = ctx.open_existing()?;
            if let Some(c) = &customer {
                store.customer(c)?;
            }
            let t = list(&mut store, customer)?;
            ctx.print_table(&t)
        }
        NumbersCommand::Assign { upn, number } => {
            let mut store = ctx.open_existing()?;
            let n = store.assign_number(&upn, number.as_deref())?;
            let s = store.subscriber(&upn)?;
            ctx.print_record(&Table {
                rows: vec![vec![text(n), text(s.user_principal_name)]],
                ..Table::new(&["number", "user_principal_name"])
            })
        }
        NumbersCommand::SetStatus { number, status } => {
            let mut store = ctx.open_existing()?;
            store.set_number_status(&number, &status)?;
            let t = list(&mut store, None)?;
            let want = licstore::online::validate_e164(&number)?;
            let rows = t
                .rows
                .into_iter()
                .filter(|r| matches!(&r[0], Value::Text(n) if *n == want))
                .collect();
            ctx.print_record(&Table {
                rows,
                columns: t.columns,
            })
        }
    }
}

/// Runs a `profiles` subcommand.
pub fn profiles(ctx: &mut Ctx, cmd: ProfilesCommand) -> Result<(), Failure> {
    let table = |store: &Store, ps: &[Profile]| -> licstore::Result<Table> {
        let mut t = Table::new(&[
            "customer",
            "name",
            "department",
            "usage_location",
            "domain",
            "skus",
        ]);
        for p in ps {
            let names: Vec<String> = p
                .skus
                .iter()
                .map(|k| store.sku(&p.customer, k).map(|s| s.display_name))
                .collect::<licstore::Result<_>>()?;
            t.rows.push(vec![
                text(&p.customer),
                text(&p.name),
                opt_text(p.filter.department.as_ref()),
                opt_text(p.filter.usage_location.as_ref()),
                opt_text(p.filter.domain.as_ref()),
                text(names.join("; ")),
            ]);
        }
        Ok(t)
    };
    match cmd {
        ProfilesCommand::Set {
            name,
            customer,
            skus,
            department,
            usage_location,
            domain,
        } => {
            let mut store = ctx.open_existing()?;
            let p = Profile {
                customer: store.customer(&customer)?.name,
                name,
                filter: SubscriberFilter {
                    department,
                    usage_location,
                    status: None,
                    domain,
                },
                skus,
            };
            store.set_profile(&p)?;
            let all = store.profiles(&customer)?;
            let mine: Vec<Profile> = all
                .into_iter()
                .filter(|q| q.name.eq_ignore_ascii_case(p.name.trim()))
                .collect();
            let t = table(&store, &mine)?;
            ctx.print_record(&t)
        }
        ProfilesCommand::List { customer } => {
            let store = ctx.open_existing()?;
            let all = store.profiles(&customer)?;
            let t = table(&store, &all)?;
            ctx.print_table(&t)
        }
        ProfilesCommand::Apply { customer } => {
            let mut store = ctx.open_existing()?;
            let outcomes = store.apply_profiles(&customer)?;
            let mut t = Table::new(JOB_COLUMNS);
            for o in &outcomes {
                t.rows.push(job_row(&store.job(o.job_id)?));
            }
            ctx.print_table(&t)
        }
    }
}

/// `history --customer C --sku S --at WHEN`
pub fn history(ctx: &mut Ctx, customer: String, sku: String, at: String) -> Result<(), Failure> {
    let store = ctx.open_existing()?;
    let k = store.sku(&customer, &sku)?;
    let holders = store.holders_at(&customer, &sku, &at)?;
    ctx.print_table(&Table {
        rows: holders
            .into_iter()
            .map(|u| {
                vec![
                    text(u),
                    text(&k.display_name),
                    text(&k.sku_part_number),
                    text(at.trim()),
                ]
            })
            .collect(),
        ..Table::new(&["user_principal_name", "sku", "part_number", "at"])
    })
}

// ---------------------------------------------------------------------------------------------
// Sync

fn open_input(a: &SyncArgs) -> Result<(Box<dyn Read>, String), Failure> {
    if a.file.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .map_err(|e| io_error(Some(std::path::Path::new("<stdin>")), e))?;
        Ok((Box::new(std::io::Cursor::new(buf)), "<stdin>".into()))
    } else {
        let f = File::open(&a.file).map_err(|e| io_error(Some(&a.file), e))?;
        Ok((
            Box::new(std::io::BufReader::new(f)),
            a.file.display().to_string(),
        ))
    }
}

fn print_sync_job(ctx: &mut Ctx, store: &Store, job: i64) -> Result<(), Failure> {
    let j = store.job(job)?;
    ctx.print_record(&Table {
        rows: vec![job_row(&j)],
        ..Table::new(JOB_COLUMNS)
    })
}

/// Runs a `sync` subcommand.
pub fn sync(ctx: &mut Ctx, cmd: SyncCommand) -> Result<(), Failure> {
    match cmd {
        SyncCommand::M365Users(a) => {
            let (input, name) = open_input(&a)?;
            let mut store = ctx.open_existing()?;
            if a.apply {
                let job = store.apply_m365_users(&a.customer, input, &name)?;
                return print_sync_job(ctx, &store, job);
            }
            let diff = store.diff_m365_users(&a.customer, input, &name)?;
            let kind = |k: UserChangeKind| match k {
                UserChangeKind::New => "new",
                UserChangeKind::Changed => "changed",
                UserChangeKind::Unchanged => "unchanged",
                UserChangeKind::Gone => "gone",
            };
            let mut t = Table::new(&["change", "line", "user_principal_name", "details"]);
            let mut tally = [0u64; 4];
            for u in &diff.users {
                tally[u.kind as usize] += 1;
                if u.kind == UserChangeKind::Unchanged && !a.all {
                    continue;
                }
                t.rows.push(vec![
                    text(kind(u.kind)),
                    if u.line == 0 {
                        Value::Null
                    } else {
                        count(u.line)
                    },
                    text(&u.user_principal_name),
                    text(u.changes.join("; ")),
                ]);
            }
            match ctx.format_or(OutputFormat::Table) {
                OutputFormat::Table => {
                    ctx.print_table(&t)?;
                    let io = |e| io_error(None, e);
                    writeln!(
                        ctx.out,
                        "{} new, {} changed, {} gone, {} unchanged; {} rejected row(s). Nothing written{}.",
                        tally[UserChangeKind::New as usize],
                        tally[UserChangeKind::Changed as usize],
                        tally[UserChangeKind::Gone as usize],
                        tally[UserChangeKind::Unchanged as usize],
                        diff.errors.len(),
                        if diff.errors.is_empty() {
                            "; apply with --apply"
                        } else {
                            "; an apply refuses the file until the rejected rows are fixed"
                        }
                    )
                    .map_err(io)?;
                    for e in diff.errors.iter().take(MAX_DETAIL_LINES) {
                        writeln!(ctx.out, "  {e}").map_err(io)?;
                    }
                    Ok(())
                }
                OutputFormat::Json => {
                    let rows: Vec<serde_json::Value> = t
                        .rows
                        .iter()
                        .map(|r| {
                            t.columns
                                .iter()
                                .zip(r)
                                .map(|(c, v)| (c.clone(), crate::output::json(v.as_ref())))
                                .collect::<serde_json::Map<_, _>>()
                                .into()
                        })
                        .collect();
                    let errors: Vec<String> = diff.errors.iter().map(ToString::to_string).collect();
                    write_json(ctx, &serde_json::json!({ "users": rows, "errors": errors }))
                }
                _ => ctx.print_table(&t),
            }
        }
        SyncCommand::GraphSkus(a) => {
            let (input, name) = open_input(&a)?;
            let mut store = ctx.open_existing()?;
            if a.apply {
                let (job, _) = store.apply_graph_skus(&a.customer, input, &name)?;
                return print_sync_job(ctx, &store, job);
            }
            let changes = store.diff_graph_skus(&a.customer, input, &name)?;
            let kind = |k: &SkuChangeKind| match k {
                SkuChangeKind::New => "new",
                SkuChangeKind::Changed => "changed",
                SkuChangeKind::Gone => "gone",
                SkuChangeKind::Unchanged => "unchanged",
            };
            let t = Table {
                rows: changes
                    .iter()
                    .filter(|c| a.all || c.kind != SkuChangeKind::Unchanged)
                    .map(|c| {
                        vec![
                            text(kind(&c.kind)),
                            text(&c.display_name),
                            text(&c.sku_part_number),
                            text(&c.sku_id),
                            text(c.changes.join("; ")),
                        ]
                    })
                    .collect(),
                ..Table::new(&["change", "sku", "part_number", "sku_id", "details"])
            };
            ctx.print_table(&t)?;
            if ctx.format_or(OutputFormat::Table) == OutputFormat::Table {
                writeln!(ctx.out, "Nothing written; apply with --apply.")
                    .map_err(|e| io_error(None, e))?;
            }
            Ok(())
        }
    }
}
