//! `licstore licensing-ids|products|entitlements|summary`: agreements, products, order lines and
//! the license summary (docs/volume.md).

use std::collections::BTreeMap;
use std::io::Write;

use licstore::validate;
use licstore::{
    Entitlement, EntitlementKind, LicensingId, NewEntitlement, NewLicensingId, NewProduct, Pool,
    Product, Program, Store, SummaryQuery, Value,
};

use super::{Ctx, Failure};
use crate::args::{
    EntitlementAddArgs, EntitlementsCommand, LicensingIdAddArgs, LicensingIdsCommand, OutputFormat,
    ProductsCommand, SummaryArgs,
};
use crate::output::{io_error, Table};
use crate::summary::{license_summary_tables, GRANT_NOTE};

/// A text value.
pub fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

/// An optional text value (NULL when absent).
pub fn opt_text(s: Option<impl ToString>) -> Value {
    s.map_or(Value::Null, |s| Value::Text(s.to_string()))
}

/// An optional integer (NULL when absent).
pub fn opt_int(v: Option<i64>) -> Value {
    v.map_or(Value::Null, Value::Integer)
}

/// A date option, checked (`what` names the option in the error).
macro_rules! date_opt {
    ($what:literal, $v:expr) => {
        $v.as_deref()
            .map(|s| validate::date($what, s))
            .transpose()?
    };
}

// ---------------------------------------------------------------------------------------------
// Licensing IDs

const LID_COLUMNS: &[&str] = &[
    "number",
    "customer",
    "program",
    "parent_program",
    "mbsa",
    "partner",
    "start_date",
    "end_date",
    "active",
];

/// The licensing IDs, `active` as of the store's today.
fn lid_table(store: &Store, lids: &[LicensingId]) -> Table {
    let today = store.now().date_naive();
    Table {
        rows: lids
            .iter()
            .map(|l| {
                vec![
                    text(&l.number),
                    text(&l.customer),
                    text(l.program.as_str()),
                    opt_text(l.parent_program.as_ref()),
                    opt_text(l.mbsa.as_ref()),
                    opt_text(l.partner.as_ref()),
                    opt_text(l.start_date),
                    opt_text(l.end_date),
                    Value::Integer(i64::from(l.is_active_on(today))),
                ]
            })
            .collect(),
        ..Table::new(LID_COLUMNS)
    }
}

/// Runs a `licensing-ids` subcommand.
pub fn licensing_ids(ctx: &mut Ctx, cmd: LicensingIdsCommand) -> Result<(), Failure> {
    match cmd {
        LicensingIdsCommand::Add(a) => {
            let new = new_lid(a)?;
            let mut store = ctx.open_existing()?;
            let l = store.add_licensing_id(&new)?;
            let t = lid_table(&store, &[l]);
            ctx.print_record(&t)
        }
        LicensingIdsCommand::List { customer } => {
            let store = ctx.open_existing()?;
            let all = store.licensing_ids(customer.as_deref())?;
            let t = lid_table(&store, &all);
            ctx.print_table(&t)
        }
        LicensingIdsCommand::Show { number } => {
            let store = ctx.open_existing()?;
            let l = store.licensing_id(&number)?;
            let t = lid_table(&store, &[l]);
            ctx.print_record(&t)
        }
    }
}

fn new_lid(a: LicensingIdAddArgs) -> Result<NewLicensingId, Failure> {
    Ok(NewLicensingId {
        number: a.number,
        customer: a.customer,
        program: a.program.parse::<Program>()?,
        parent_program: a.parent_program,
        mbsa: a.mbsa,
        partner: a.partner,
        start_date: date_opt!("--start", a.start),
        end_date: date_opt!("--end", a.end),
    })
}

// ---------------------------------------------------------------------------------------------
// Products

fn product_table(products: &[Product]) -> Table {
    Table {
        rows: products
            .iter()
            .map(|p| vec![text(&p.family), text(&p.version), text(p.pool.as_str())])
            .collect(),
        ..Table::new(&["family", "version", "pool"])
    }
}

/// Runs a `products` subcommand.
pub fn products(ctx: &mut Ctx, cmd: ProductsCommand) -> Result<(), Failure> {
    match cmd {
        ProductsCommand::Add {
            family,
            product_version: version,
            pool,
        } => {
            let pool = pool.parse::<Pool>()?;
            let mut store = ctx.open_existing()?;
            let p = store.add_product(&NewProduct {
                family,
                version,
                pool,
            })?;
            ctx.print_record(&product_table(&[p]))
        }
        ProductsCommand::List => {
            let store = ctx.open_existing()?;
            let all = store.products()?;
            ctx.print_table(&product_table(&all))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Entitlements

const ENT_COLUMNS: &[&str] = &[
    "id",
    "licensing_id",
    "family",
    "version",
    "quantity",
    "kind",
    "from_family",
    "order_date",
    "sa_end",
    "granted_by",
    "grant_mark",
];

fn ent_table(lines: &[Entitlement]) -> Table {
    Table {
        rows: lines
            .iter()
            .map(|e| {
                vec![
                    Value::Integer(e.id),
                    text(&e.licensing_id),
                    text(&e.family),
                    text(&e.version),
                    Value::Integer(e.quantity),
                    text(e.kind.as_str()),
                    opt_text(e.from_family.as_ref()),
                    text(e.order_date.to_string()),
                    opt_text(e.sa_end),
                    opt_int(e.granted_by),
                    text(if e.kind == EntitlementKind::Grant {
                        "*"
                    } else {
                        ""
                    }),
                ]
            })
            .collect(),
        ..Table::new(ENT_COLUMNS)
    }
}

/// Runs an `entitlements` subcommand.
pub fn entitlements(ctx: &mut Ctx, cmd: EntitlementsCommand) -> Result<(), Failure> {
    match cmd {
        EntitlementsCommand::Add(a) => {
            let new = new_entitlement(a)?;
            let mut store = ctx.open_existing()?;
            let e = store.add_entitlement(&new)?;
            ctx.print_record(&ent_table(&[e]))
        }
        EntitlementsCommand::List { licensing_id } => {
            let store = ctx.open_existing()?;
            let all = store.entitlements(licensing_id.as_deref())?;
            ctx.print_table(&ent_table(&all))
        }
    }
}

fn new_entitlement(a: EntitlementAddArgs) -> Result<NewEntitlement, Failure> {
    Ok(NewEntitlement {
        licensing_id: a.licensing_id,
        family: a.family,
        version: a.product_version,
        quantity: a.quantity,
        kind: a.kind.parse::<EntitlementKind>()?,
        from_family: a.from_family,
        order_date: validate::date("--order-date", &a.order_date)?,
        sa_end: date_opt!("--sa-end", a.sa_end),
        granted_by: a.granted_by,
    })
}

// ---------------------------------------------------------------------------------------------
// The license summary

/// Prints the license summary of one customer, of the customers of the given licensing IDs, or
/// of every customer.
pub fn summary(ctx: &mut Ctx, a: SummaryArgs) -> Result<(), Failure> {
    let as_of = date_opt!("--as-of", a.as_of);
    let store = ctx.open_existing()?;
    // Which customers, each with the licensing IDs asked for (empty: all of its own).
    let mut queries: BTreeMap<String, Vec<String>> = BTreeMap::new();
    match (&a.customer, a.licensing_ids.is_empty()) {
        (Some(c), _) => {
            // The core checks that the licensing IDs are the customer's.
            queries.insert(store.customer(c)?.name, a.licensing_ids.clone());
        }
        (None, false) => {
            for n in &a.licensing_ids {
                let l = store.licensing_id(n)?;
                queries.entry(l.customer).or_default().push(l.number);
            }
        }
        (None, true) => {
            for c in store.customers()? {
                queries.insert(c.name, vec![]);
            }
        }
    }
    let mut lines = vec![];
    for (customer, licensing_ids) in queries {
        lines.extend(store.license_summary(&SummaryQuery {
            customer,
            as_of,
            licensing_ids,
        })?);
    }
    let as_of = as_of
        .unwrap_or_else(|| store.now().date_naive())
        .to_string();
    let (machine, people, grants) = license_summary_tables(&lines, &as_of);
    match ctx.format_or(OutputFormat::Table) {
        OutputFormat::Table => {
            let io = |e| io_error(None, e);
            writeln!(ctx.out, "License summary as of {as_of}").map_err(io)?;
            people.print(&mut ctx.out, OutputFormat::Table)?;
            if grants {
                writeln!(ctx.out, "{GRANT_NOTE}").map_err(io)?;
            }
            Ok(())
        }
        _ => ctx.print_table(&machine),
    }
}
