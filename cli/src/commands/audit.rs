//! `licstore audit`: the audit log, filtered, through the read-only channel (the `audit_log` view).

use licstore::{Params, Value};

use super::{Ctx, Failure};
use crate::args::{AuditArgs, OutputFormat};
use crate::output::Table;

/// Lists the audit log, oldest first.
pub fn run(ctx: &mut Ctx, a: AuditArgs) -> Result<(), Failure> {
    let mut filters = vec![];
    let mut params: Vec<(String, Value)> = vec![];
    let mut filter = |column: &str, op: &str, name: &str, v: Option<String>| {
        if let Some(v) = v {
            filters.push(format!("{column} {op} :{name}"));
            params.push((name.to_string(), Value::Text(v)));
        }
    };
    let instant = |what: &str, v: Option<String>| -> Result<Option<String>, Failure> {
        v.map(|v| {
            Ok(licstore::store::format_ts(licstore::validate::instant(
                what, &v,
            )?))
        })
        .transpose()
    };
    let since = instant("--since", a.since)?;
    let until = instant("--until", a.until)?;
    filter("entity", "=", "entity", a.entity);
    filter("entity_key", "=", "key", a.key);
    filter("actor", "=", "actor", a.by);
    filter("action", "=", "action", a.action);
    filter("at", ">=", "since", since);
    filter("at", "<", "until", until);
    let mut sql = "SELECT id, at, actor, action, entity, entity_key, before, after FROM audit_log"
        .to_string();
    if !filters.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&filters.join(" AND "));
    }
    match a.last {
        // The last N, still printed oldest first.
        Some(n) => {
            sql = format!("SELECT * FROM ({sql} ORDER BY id DESC LIMIT {n}) ORDER BY id");
        }
        None => sql.push_str(" ORDER BY id"),
    }
    let mut store = ctx.open_existing()?;
    let result = store.query(&sql, &Params::Named(params))?;
    let format = ctx.format_or(OutputFormat::Table);
    let table = if format == OutputFormat::Table {
        for_people(Table::from(result))
    } else {
        Table::from(result)
    };
    table.print(&mut ctx.out, format)?;
    Ok(())
}

/// The table for people: before/after folded into one readable "change" column.
fn for_people(t: Table) -> Table {
    let rows = t
        .rows
        .into_iter()
        .map(|mut r| {
            let after = r.pop().unwrap_or(Value::Null);
            let before = r.pop().unwrap_or(Value::Null);
            r.push(Value::Text(change(&before, &after)));
            r
        })
        .collect();
    Table {
        rows,
        ..Table::new(&["id", "at", "actor", "action", "entity", "key", "change"])
    }
}

fn object(v: &Value) -> Option<serde_json::Map<String, serde_json::Value>> {
    match v {
        Value::Text(t) => match serde_json::from_str(t) {
            Ok(serde_json::Value::Object(m)) => Some(m),
            _ => None,
        },
        _ => None,
    }
}

fn show(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "-".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// "field: old -> new" for each changed field of an update; "field=value" for an addition or a
/// removal (nulls left out).
pub fn change(before: &Value, after: &Value) -> String {
    match (object(before), object(after)) {
        (Some(b), Some(a)) => {
            let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
            keys.sort();
            keys.dedup();
            let null = serde_json::Value::Null;
            keys.into_iter()
                .filter_map(|k| {
                    let (old, new) = (b.get(k).unwrap_or(&null), a.get(k).unwrap_or(&null));
                    (old != new).then(|| format!("{k}: {} -> {}", show(old), show(new)))
                })
                .collect::<Vec<_>>()
                .join("; ")
        }
        (Some(m), None) | (None, Some(m)) => m
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| format!("{k}={}", show(v)))
            .collect::<Vec<_>>()
            .join(", "),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_like_sentences() {
        let t = |s: &str| Value::Text(s.into());
        assert_eq!(
            change(
                &t(r#"{"name":"Contoso","default_usage_location":"US","tenant_domain":null}"#),
                &t(r#"{"name":"Contoso","default_usage_location":"PL","tenant_domain":"c.com"}"#)
            ),
            "default_usage_location: US -> PL; tenant_domain: - -> c.com"
        );
        assert_eq!(
            change(&Value::Null, &t(r#"{"name":"A","tenant_domain":null}"#)),
            "name=A"
        );
        assert_eq!(change(&Value::Null, &Value::Null), "");
    }
}
