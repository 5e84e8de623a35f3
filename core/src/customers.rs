//! Customers (DOMAIN.md section 1): the organizations whose licenses are managed.
//!
//! Natural key: `name`, unique without regard to case ("Contoso" and "contoso" are one customer:
//! people type names both ways, and two customers differing only in case are always a mistake).

use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::store::{Store, WriteCtx};
use crate::validate;

/// The longest customer name accepted.
pub const MAX_NAME_LEN: usize = 200;

/// A customer as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Customer {
    /// The store's row id (stable for the life of the store; not part of the public SQL views).
    pub id: i64,
    /// Unique name (case-insensitive).
    pub name: String,
    /// The M365 tenant's domain, e.g. `contoso.onmicrosoft.com` (unique when present).
    pub tenant_domain: Option<String>,
    /// ISO 3166-1 alpha-2 country used for subscribers that have no usage location of their own.
    pub default_usage_location: Option<String>,
    /// When the customer was added.
    pub created_at: String,
    /// When the customer was last changed.
    pub updated_at: String,
}

/// The fields of a new customer (or of an upsert).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewCustomer {
    /// Required.
    pub name: String,
    /// Optional tenant domain.
    pub tenant_domain: Option<String>,
    /// Optional default usage location.
    pub default_usage_location: Option<String>,
}

impl NewCustomer {
    /// A customer with just a name.
    pub fn named(name: impl Into<String>) -> NewCustomer {
        NewCustomer {
            name: name.into(),
            ..Default::default()
        }
    }
}

/// A change to a customer: `None` leaves a field as it is, `Some(None)` clears an optional field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerUpdate {
    /// A new name.
    pub name: Option<String>,
    /// A new tenant domain, or `Some(None)` to clear it.
    pub tenant_domain: Option<Option<String>>,
    /// A new default usage location, or `Some(None)` to clear it.
    pub default_usage_location: Option<Option<String>>,
}

/// Validated, normalized customer fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CustomerFields {
    pub name: String,
    pub tenant_domain: Option<String>,
    pub default_usage_location: Option<String>,
}

impl CustomerFields {
    pub(crate) fn validate(c: &NewCustomer) -> Result<CustomerFields> {
        Ok(CustomerFields {
            name: validate::name("customer name", &c.name, MAX_NAME_LEN)?,
            tenant_domain: validate::optional(c.tenant_domain.as_deref(), |v| {
                validate::domain("tenant domain", v)
            })?,
            default_usage_location: validate::optional(c.default_usage_location.as_deref(), |v| {
                validate::country("default usage location", v)
            })?,
        })
    }
}

const COLUMNS: &str = "id, name, tenant_domain, default_usage_location, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Customer> {
    Ok(Customer {
        id: r.get(0)?,
        name: r.get(1)?,
        tenant_domain: r.get(2)?,
        default_usage_location: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

fn to_json(c: &Customer) -> serde_json::Value {
    serde_json::json!({
        "name": c.name,
        "tenant_domain": c.tenant_domain,
        "default_usage_location": c.default_usage_location,
    })
}

/// Looks a customer up by name (case-insensitive) on any connection.
pub(crate) fn find(conn: &rusqlite::Connection, name: &str) -> Result<Option<Customer>> {
    let mut st = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM customer WHERE name = ?1"))?;
    Ok(st.query_row([name.trim()], from_row).optional()?)
}

/// Looks a customer up by name, or fails with [`Error::NotFound`].
pub(crate) fn require(conn: &rusqlite::Connection, name: &str) -> Result<Customer> {
    find(conn, name)?.ok_or_else(|| Error::not_found("customer", name))
}

fn check_domain_free(
    ctx: &WriteCtx<'_>,
    domain: Option<&str>,
    except_id: Option<i64>,
) -> Result<()> {
    if let Some(d) = domain {
        let other: Option<String> = ctx
            .tx
            .prepare_cached("SELECT name FROM customer WHERE tenant_domain = ?1 AND id IS NOT ?2")?
            .query_row(params![d, except_id], |r| r.get(0))
            .optional()?;
        if let Some(other) = other {
            return Err(Error::invalid(
                "tenant domain",
                d,
                format!(
                    "already belongs to customer {other:?} (a tenant domain names one customer)"
                ),
            ));
        }
    }
    Ok(())
}

/// Inserts a validated customer inside a write transaction, with its audit row.
pub(crate) fn insert(ctx: &WriteCtx<'_>, f: &CustomerFields) -> Result<Customer> {
    if find(ctx.tx, &f.name)?.is_some() {
        return Err(Error::AlreadyExists {
            entity: "customer",
            key: f.name.clone(),
        });
    }
    check_domain_free(ctx, f.tenant_domain.as_deref(), None)?;
    ctx.tx
        .prepare_cached(
            "INSERT INTO customer (name, tenant_domain, default_usage_location, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?4)",
        )?
        .execute(params![f.name, f.tenant_domain, f.default_usage_location, ctx.now])?;
    let c = require(ctx.tx, &f.name)?;
    ctx.audit(
        "customer.add",
        "customer",
        &c.name,
        None,
        Some(&to_json(&c)),
    )?;
    Ok(c)
}

/// Applies validated new values to an existing customer; writes nothing when nothing changes.
/// Returns the customer after the change and whether it changed.
pub(crate) fn apply(
    ctx: &WriteCtx<'_>,
    before: &Customer,
    f: &CustomerFields,
) -> Result<(Customer, bool)> {
    if before.name == f.name
        && before.tenant_domain == f.tenant_domain
        && before.default_usage_location == f.default_usage_location
    {
        return Ok((before.clone(), false));
    }
    if !before.name.eq_ignore_ascii_case(&f.name) && find(ctx.tx, &f.name)?.is_some() {
        return Err(Error::AlreadyExists {
            entity: "customer",
            key: f.name.clone(),
        });
    }
    check_domain_free(ctx, f.tenant_domain.as_deref(), Some(before.id))?;
    ctx.tx
        .prepare_cached(
            "UPDATE customer SET name = ?2, tenant_domain = ?3, default_usage_location = ?4, updated_at = ?5 WHERE id = ?1",
        )?
        .execute(params![before.id, f.name, f.tenant_domain, f.default_usage_location, ctx.now])?;
    let after = require(ctx.tx, &f.name)?;
    ctx.audit(
        "customer.update",
        "customer",
        &before.name,
        Some(&to_json(before)),
        Some(&to_json(&after)),
    )?;
    Ok((after, true))
}

impl Store {
    /// Adds a customer. Fails with [`Error::AlreadyExists`] if the name is taken (in any case),
    /// [`Error::InvalidArgument`] for an empty name, a malformed domain or an unknown country.
    pub fn add_customer(&mut self, customer: &NewCustomer) -> Result<Customer> {
        let f = CustomerFields::validate(customer)?;
        self.write(|ctx| insert(ctx, &f))
    }

    /// Changes a customer's fields.
    pub fn update_customer(&mut self, name: &str, update: &CustomerUpdate) -> Result<Customer> {
        self.write(|ctx| {
            let before = require(ctx.tx, name)?;
            let merged = NewCustomer {
                name: update.name.clone().unwrap_or_else(|| before.name.clone()),
                tenant_domain: match &update.tenant_domain {
                    Some(v) => v.clone(),
                    None => before.tenant_domain.clone(),
                },
                default_usage_location: match &update.default_usage_location {
                    Some(v) => v.clone(),
                    None => before.default_usage_location.clone(),
                },
            };
            let f = CustomerFields::validate(&merged)?;
            Ok(apply(ctx, &before, &f)?.0)
        })
    }

    /// The customer with this name (case-insensitive), or [`Error::NotFound`].
    pub fn customer(&self, name: &str) -> Result<Customer> {
        let c = require(self.conn(), name)?;
        self.visible_customers(vec![c])?
            .pop()
            .ok_or_else(|| Error::not_found("customer", name))
    }

    /// Every customer, by name.
    pub fn customers(&self) -> Result<Vec<Customer>> {
        let mut st = self
            .conn()
            .prepare_cached(&format!("SELECT {COLUMNS} FROM customer ORDER BY name"))?;
        let rows = st.query_map([], from_row)?;
        self.visible_customers(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Removes a customer. Fails with [`Error::InUse`] (naming what refers to it) while any row
    /// of the store references it, and with [`Error::NotFound`] for an unknown name.
    pub fn remove_customer(&mut self, name: &str) -> Result<()> {
        self.write(|ctx| {
            let c = require(ctx.tx, name)?;
            let refs = crate::refs::references(ctx.tx, "customer", c.id)?;
            if !refs.is_empty() {
                return Err(Error::InUse {
                    entity: "customer",
                    key: c.name,
                    by: refs,
                });
            }
            ctx.tx
                .prepare_cached("DELETE FROM customer WHERE id = ?1")?
                .execute([c.id])?;
            ctx.audit(
                "customer.remove",
                "customer",
                &c.name,
                Some(&to_json(&c)),
                None,
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn contoso() -> NewCustomer {
        NewCustomer {
            name: "Contoso".into(),
            tenant_domain: Some("Contoso.onmicrosoft.com".into()),
            default_usage_location: Some("us".into()),
        }
    }

    #[test]
    fn add_get_list_update_remove() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        let c = s.add_customer(&contoso())?;
        assert_eq!(c.tenant_domain.as_deref(), Some("contoso.onmicrosoft.com"));
        assert_eq!(c.default_usage_location.as_deref(), Some("US"));
        assert_eq!(s.customer("CONTOSO")?.id, c.id);
        s.add_customer(&NewCustomer::named("Adatum"))?;
        let names: Vec<_> = s.customers()?.into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["Adatum", "Contoso"]);

        let u = s.update_customer(
            "contoso",
            &CustomerUpdate {
                default_usage_location: Some(Some("PL".into())),
                ..Default::default()
            },
        )?;
        assert_eq!(u.default_usage_location.as_deref(), Some("PL"));
        assert_eq!(u.tenant_domain.as_deref(), Some("contoso.onmicrosoft.com"));
        let u = s.update_customer(
            "Contoso",
            &CustomerUpdate {
                tenant_domain: Some(None),
                ..Default::default()
            },
        )?;
        assert_eq!(u.tenant_domain, None);

        s.remove_customer("adatum")?;
        assert_eq!(
            s.customer("Adatum").unwrap_err().code(),
            ErrorCode::NotFound
        );
        Ok(())
    }

    #[test]
    fn bad_input_is_refused_and_nothing_written() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        s.add_customer(&contoso())?;
        let audit_before = s.audit_entries(None)?.len();
        let cases: Vec<(NewCustomer, ErrorCode)> = vec![
            (NewCustomer::named(""), ErrorCode::InvalidArgument),
            (NewCustomer::named("  "), ErrorCode::InvalidArgument),
            (NewCustomer::named("CONTOSO"), ErrorCode::AlreadyExists),
            (
                NewCustomer::named("x".repeat(201)),
                ErrorCode::InvalidArgument,
            ),
            (
                NewCustomer {
                    default_usage_location: Some("XX".into()),
                    ..NewCustomer::named("B")
                },
                ErrorCode::InvalidArgument,
            ),
            (
                NewCustomer {
                    tenant_domain: Some("no-dot".into()),
                    ..NewCustomer::named("B")
                },
                ErrorCode::InvalidArgument,
            ),
            (
                NewCustomer {
                    tenant_domain: Some("contoso.onmicrosoft.com".into()),
                    ..NewCustomer::named("B")
                },
                ErrorCode::InvalidArgument,
            ),
        ];
        for (c, code) in cases {
            let e = s.add_customer(&c).unwrap_err();
            assert_eq!(e.code(), code, "{c:?}: {e}");
        }
        let e = s.add_customer(&NewCustomer::named("")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid customer name \"\": must not be empty"
        );
        assert_eq!(s.customers()?.len(), 1);
        assert_eq!(s.audit_entries(None)?.len(), audit_before);
        Ok(())
    }

    #[test]
    fn renaming_onto_another_name_is_refused() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        s.add_customer(&NewCustomer::named("A"))?;
        s.add_customer(&NewCustomer::named("B"))?;
        let e = s
            .update_customer(
                "a",
                &CustomerUpdate {
                    name: Some("b".into()),
                    ..Default::default()
                },
            )
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::AlreadyExists);
        // A change of case of its own name is allowed.
        let c = s.update_customer(
            "a",
            &CustomerUpdate {
                name: Some("a".into()),
                ..Default::default()
            },
        )?;
        assert_eq!(c.name, "a");
        Ok(())
    }

    #[test]
    fn every_change_is_audited() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        s.set_actor("alice@example.com")?;
        s.add_customer(&contoso())?;
        s.update_customer(
            "Contoso",
            &CustomerUpdate {
                name: Some("Contoso Ltd".into()),
                ..Default::default()
            },
        )?;
        // An update that changes nothing writes nothing.
        s.update_customer("Contoso Ltd", &CustomerUpdate::default())?;
        s.remove_customer("Contoso Ltd")?;
        let log = s.audit_entries(None)?;
        let actions: Vec<_> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["customer.add", "customer.update", "customer.remove"]
        );
        assert!(log.iter().all(|e| e.actor == "alice@example.com"));
        assert_eq!(log[0].before, None);
        assert!(log[1].before.as_deref().unwrap().contains("\"Contoso\""));
        assert!(log[1].after.as_deref().unwrap().contains("\"Contoso Ltd\""));
        assert_eq!(log[2].after, None);
        Ok(())
    }

    #[test]
    fn audit_log_refuses_update_and_delete() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        s.add_customer(&contoso())?;
        for sql in [
            "UPDATE audit_event SET actor = 'mallory'",
            "DELETE FROM audit_event",
        ] {
            let e = s.conn.execute(sql, []).unwrap_err();
            assert!(e.to_string().contains("append-only"), "{sql}: {e}");
        }
        assert_eq!(s.audit_entries(None)?.len(), 1);
        Ok(())
    }

    #[test]
    fn remove_while_referenced_names_the_referrer() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        let c = s.add_customer(&contoso())?;
        // A table of a later schema version that references customers, inserted directly.
        s.conn.execute_batch("CREATE TABLE widget (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer(id))")?;
        s.conn
            .execute("INSERT INTO widget (customer_id) VALUES (?1), (?1)", [c.id])?;
        let e = s.remove_customer("Contoso").unwrap_err();
        assert_eq!(e.code(), ErrorCode::InUse);
        assert_eq!(
            e.to_string(),
            "customer \"Contoso\" cannot be removed: still referenced by 2 widget rows"
        );
        assert!(s.customer("Contoso").is_ok());
        Ok(())
    }
}
