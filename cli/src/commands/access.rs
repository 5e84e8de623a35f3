//! `licstore principals|roles|requests`: principals, their roles per licensing ID, agreement
//! contacts and permission requests (docs/access.md). Lists read the access views, so with
//! `--as EMAIL` they show what that principal may see.

use licstore::{
    AccessChange, ContactKind, Params, PermissionRequest, PermissionRequestFilter, Role, RoleGroup,
    Value,
};

use super::{Ctx, Failure};
use crate::args::{GrantArgs, PrincipalsCommand, RequestsCommand, RolesCommand};
use crate::output::Table;

fn roles(names: &[String]) -> Result<Vec<Role>, Failure> {
    Ok(names
        .iter()
        .map(|r| r.parse::<Role>())
        .collect::<licstore::Result<_>>()?)
}

/// Prints a grant or revocation: the roles now held, and the single-Administrator warning on
/// standard error.
fn print_change(ctx: &mut Ctx, c: &AccessChange) -> Result<(), Failure> {
    if let Some(w) = &c.warning {
        eprintln!("licstore: warning: {w}");
    }
    let join = |v: &[Role]| v.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" ");
    let mut t = Table::new(&["email", "licensing_id", "changed", "roles"]);
    t.rows.push(vec![
        Value::from(c.email.as_str()),
        Value::from(c.licensing_id.as_str()),
        Value::from(join(&c.changed)),
        Value::from(join(&c.roles)),
    ]);
    ctx.print_record(&t)
}

fn query(ctx: &mut Ctx, sql: &str, params: Vec<(String, Value)>) -> Result<Table, Failure> {
    let mut store = ctx.open_existing()?;
    Ok(Table::from(store.query(sql, &Params::Named(params))?))
}

fn principal_table(p: &licstore::Principal) -> Table {
    let mut t = Table::new(&["email", "first_name", "last_name", "active"]);
    t.rows.push(vec![
        p.email.as_str().into(),
        p.first_name.as_str().into(),
        p.last_name.as_str().into(),
        Value::Integer(p.active.into()),
    ]);
    t
}

/// `licstore principals ...`
pub fn principals(ctx: &mut Ctx, cmd: PrincipalsCommand) -> Result<(), Failure> {
    match cmd {
        PrincipalsCommand::Add {
            email,
            first_name,
            last_name,
        } => {
            let mut store = ctx.open_existing()?;
            let p = store.add_principal(&email, &first_name, &last_name)?;
            ctx.print_record(&principal_table(&p))
        }
        PrincipalsCommand::List => {
            let t = query(ctx, "SELECT * FROM principals ORDER BY email", vec![])?;
            ctx.print_table(&t)
        }
        PrincipalsCommand::Show { email } => {
            let store = ctx.open_existing()?;
            let p = store.principal(&email)?;
            let t = query(
                ctx,
                "SELECT licensing_id, customer, role, granted_at, granted_by FROM permissions \
                 WHERE email = :e ORDER BY licensing_id, role",
                vec![("e".into(), p.email.as_str().into())],
            )?;
            ctx.print_record(&principal_table(&p))?;
            ctx.print_table(&t)
        }
    }
}

/// `licstore roles ...`
pub fn roles_command(ctx: &mut Ctx, cmd: RolesCommand) -> Result<(), Failure> {
    match cmd {
        RolesCommand::List {
            email,
            licensing_id,
        } => {
            let mut params = vec![];
            let mut filters = vec![];
            if let Some(e) = email {
                filters.push("email = :e");
                params.push(("e".to_string(), Value::from(e)));
            }
            if let Some(l) = licensing_id {
                filters.push("licensing_id = :l COLLATE NOCASE");
                params.push(("l".to_string(), Value::from(l)));
            }
            let filter = if filters.is_empty() {
                String::new()
            } else {
                format!(" WHERE {}", filters.join(" AND "))
            };
            let t = query(
                ctx,
                &format!("SELECT * FROM permissions{filter} ORDER BY licensing_id, email, role"),
                params,
            )?;
            ctx.print_table(&t)
        }
        RolesCommand::Grant(GrantArgs {
            email,
            licensing_id,
            roles: names,
            group,
        }) => {
            let mut wanted = roles(&names)?;
            if let Some(g) = group {
                wanted.extend_from_slice(g.parse::<RoleGroup>()?.roles());
            }
            if wanted.is_empty() {
                return Err(Failure::usage("name at least one ROLE or a --group"));
            }
            let mut store = ctx.open_existing()?;
            let c = store.grant_roles(&email, &licensing_id, &wanted)?;
            print_change(ctx, &c)
        }
        RolesCommand::Revoke {
            email,
            licensing_id,
            roles: names,
        } => {
            let wanted = roles(&names)?;
            let mut store = ctx.open_existing()?;
            let c = store.revoke_roles(&email, &licensing_id, &wanted)?;
            print_change(ctx, &c)
        }
        RolesCommand::Remove {
            email,
            licensing_id,
        } => {
            let mut store = ctx.open_existing()?;
            let c = store.remove_licensing_id_access(&email, &licensing_id)?;
            print_change(ctx, &c)
        }
        RolesCommand::Contact {
            licensing_id,
            kind,
            email,
            first_name,
            last_name,
        } => {
            let kind = kind.parse::<ContactKind>()?;
            let mut store = ctx.open_existing()?;
            let c = store.set_agreement_contact(
                &licensing_id,
                kind,
                &email,
                &first_name,
                &last_name,
            )?;
            print_change(ctx, &c)
        }
        RolesCommand::Warnings => {
            let store = ctx.open_existing()?;
            let mut t = Table::new(&["licensing_id", "customer", "administrator"]);
            for w in store.single_administrator_warnings()? {
                t.rows.push(vec![
                    w.licensing_id.into(),
                    w.customer.into(),
                    w.administrator.into(),
                ]);
            }
            ctx.print_table(&t)
        }
    }
}

fn request_table(r: &PermissionRequest) -> Table {
    let mut t = Table::new(&["id", "email", "licensing_id", "roles", "status", "note"]);
    t.rows.push(vec![
        Value::Integer(r.id),
        r.email.as_str().into(),
        r.licensing_id.as_str().into(),
        r.roles
            .iter()
            .map(|x| x.as_str())
            .collect::<Vec<_>>()
            .join(" ")
            .into(),
        r.status.as_str().into(),
        r.note.clone().map_or(Value::Null, Value::from),
    ]);
    t
}

/// `licstore requests ...`
pub fn requests(ctx: &mut Ctx, cmd: RequestsCommand) -> Result<(), Failure> {
    match cmd {
        RequestsCommand::Add {
            email,
            licensing_id,
            roles: names,
            comment,
        } => {
            let wanted = roles(&names)?;
            let mut store = ctx.open_existing()?;
            let id =
                store.request_permission(&email, &licensing_id, &wanted, comment.as_deref())?;
            let f = PermissionRequestFilter {
                email: Some(email),
                ..Default::default()
            };
            let r = store
                .permission_requests(&f)?
                .into_iter()
                .find(|r| r.id == id)
                .ok_or_else(|| {
                    Failure::from(licstore::Error::not_found(
                        "permission request",
                        id.to_string(),
                    ))
                })?;
            ctx.print_record(&request_table(&r))
        }
        RequestsCommand::List {
            status,
            licensing_id,
            email,
        } => {
            let store = ctx.open_existing()?;
            let f = PermissionRequestFilter {
                status: status.map(|s| s.parse()).transpose()?,
                licensing_id,
                email,
            };
            let mut t = Table::new(&[
                "id",
                "email",
                "licensing_id",
                "customer",
                "roles",
                "comment",
                "status",
                "requested_at",
                "decided_at",
                "decided_by",
                "note",
            ]);
            let opt = |v: &Option<String>| v.clone().map_or(Value::Null, Value::from);
            for r in store.permission_requests(&f)? {
                t.rows.push(vec![
                    Value::Integer(r.id),
                    r.email.into(),
                    r.licensing_id.into(),
                    r.customer.into(),
                    r.roles
                        .iter()
                        .map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                        .into(),
                    opt(&r.comment),
                    r.status.as_str().into(),
                    r.requested_at.into(),
                    opt(&r.decided_at),
                    opt(&r.decided_by),
                    opt(&r.note),
                ]);
            }
            ctx.print_table(&t)
        }
        RequestsCommand::Accept { id, note } => {
            let mut store = ctx.open_existing()?;
            let r = store.decide_permission_request(id, true, note.as_deref())?;
            ctx.print_record(&request_table(&r))
        }
        RequestsCommand::Deny { id, note } => {
            let mut store = ctx.open_existing()?;
            let r = store.decide_permission_request(id, false, note.as_deref())?;
            ctx.print_record(&request_table(&r))
        }
    }
}
