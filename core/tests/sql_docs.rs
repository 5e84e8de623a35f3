//! docs/sql.md is the contract of the SQL surface. These tests fail when it and the store disagree:
//! a view without a section, a documented view that does not exist, a column missing, extra, out of
//! order or of another type than the values a demo store holds, or an example query that fails or
//! finds nothing.

use chrono::{DateTime, Duration, Utc};
use licstore::{Clock, Params, Result, SkuRule, Store, Value};

const TYPES: &[&str] = &["TEXT", "INTEGER", "BOOLEAN", "TIMESTAMP", "DATE", "JSON"];

fn doc() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/sql.md"))
        .expect("docs/sql.md exists")
}

/// The `## name` sections of the document that hold a column table: (name, [(column, type)]).
fn documented_views(doc: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    for part in doc.split("\n## ").skip(1) {
        let name = part.lines().next().unwrap_or("").trim().to_string();
        let cols: Vec<(String, String)> = part
            .lines()
            .filter(|l| l.starts_with("| `"))
            .map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                (cells[1].trim_matches('`').to_string(), cells[2].to_string())
            })
            .collect();
        if !cols.is_empty() {
            out.push((name, cols));
        }
    }
    out
}

/// Every view of the query channel, the computed `license_summary` included.
fn all_views(s: &mut Store) -> Result<Vec<String>> {
    let mut v = s.views()?;
    if !v.iter().any(|x| x == "license_summary") {
        v.push("license_summary".into());
    }
    Ok(v)
}

#[test]
fn every_view_is_documented_column_by_column_in_order() -> Result<()> {
    let doc = doc();
    let documented = documented_views(&doc);
    let mut s = Store::open_in_memory()?;
    let views = all_views(&mut s)?;
    for v in &views {
        let Some((_, cols)) = documented.iter().find(|(n, _)| n == v) else {
            panic!("docs/sql.md has no section `## {v}` with a column table");
        };
        let actual = s.query(&format!("SELECT * FROM \"{v}\" LIMIT 0"), &Params::None)?;
        let names: Vec<&str> = cols.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(names, actual.columns, "docs/sql.md, view {v}: columns");
        for (c, t) in cols {
            assert!(
                TYPES.contains(&t.as_str()),
                "docs/sql.md, view {v}, column {c}: unknown type {t:?} (one of {TYPES:?})"
            );
        }
    }
    for (name, _) in &documented {
        assert!(
            views.contains(name),
            "docs/sql.md documents `{name}`, which is not a view of the store"
        );
    }
    Ok(())
}

fn fixed(t: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(t).unwrap().to_utc()
}

/// A demo store whose history has closed intervals (licenses removed a month after the demo was
/// built) and one user holding two SKUs that a rule added afterwards declares exclusive.
fn demo_with_history() -> Result<Store> {
    let mut s = Store::open_in_memory()?;
    let t0 = fixed("2025-06-01T12:00:00Z");
    s.set_clock(Clock::Fixed(t0));
    licstore::demo::build(&mut s, 7)?;
    s.set_clock(Clock::Fixed(t0 + Duration::days(30)));
    let held = s.query(
        "SELECT user_principal_name, sku_id FROM subscriber_licenses \
         WHERE user_principal_name IN (SELECT user_principal_name FROM subscriber_licenses \
                                       GROUP BY 1 HAVING count(*) >= 2) \
         ORDER BY 1, 2 LIMIT 12",
        &Params::None,
    )?;
    let text = |v: &Value| match v {
        Value::Text(t) => t.clone(),
        other => panic!("text expected, got {other:?}"),
    };
    let (upn, a) = (text(&held.rows[0][0]), text(&held.rows[0][1]));
    let b = text(&held.rows[1][1]);
    assert_eq!(text(&held.rows[1][0]), upn);
    s.add_sku_rule(&SkuRule::Excludes {
        sku: a,
        other: b.clone(),
    })?;
    for row in &held.rows[2..] {
        s.remove_license(&text(&row[0]), &text(&row[1]))?;
    }
    Ok(s)
}

fn check_value(view: &str, col: &str, ty: &str, v: &Value) {
    let bad = |why: &str| panic!("view {view}, column {col} (documented {ty}): {v:?} {why}");
    let is_ts =
        |t: &str| t.len() == 20 && t.ends_with('Z') && DateTime::parse_from_rfc3339(t).is_ok();
    let is_date =
        |t: &str| t.len() == 10 && chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").is_ok();
    match (ty, v) {
        (_, Value::Null) => {}
        ("TEXT", Value::Text(_)) | ("INTEGER", Value::Integer(_)) => {}
        ("BOOLEAN", Value::Integer(0 | 1)) => {}
        ("TIMESTAMP", Value::Text(t)) if is_ts(t) => {}
        ("DATE", Value::Text(t)) if is_date(t) => {}
        ("JSON", Value::Text(t)) if serde_json::from_str::<serde_json::Value>(t).is_ok() => {}
        _ => bad("does not have this type"),
    }
}

#[test]
fn every_value_of_a_demo_store_has_its_documented_type() -> Result<()> {
    let doc = doc();
    let documented = documented_views(&doc);
    let mut s = demo_with_history()?;
    let mut seen_non_null = 0usize;
    for v in all_views(&mut s)? {
        let (_, cols) = documented
            .iter()
            .find(|(n, _)| *n == v)
            .expect("documented");
        let r = s.query(&format!("SELECT * FROM \"{v}\""), &Params::None)?;
        assert!(!r.rows.is_empty(), "the demo store has rows in {v}");
        for row in &r.rows {
            for ((c, t), value) in cols.iter().zip(row) {
                if *value != Value::Null {
                    seen_non_null += 1;
                }
                check_value(&v, c, t, value);
            }
        }
    }
    assert!(seen_non_null > 10_000, "the check read real data");
    Ok(())
}

#[test]
fn every_auditor_example_runs_and_finds_rows() -> Result<()> {
    let doc = doc();
    let section = doc
        .split("\n## Example queries for auditors\n")
        .nth(1)
        .expect("an examples section");
    let section = section.split("\n## ").next().unwrap();
    let queries: Vec<&str> = section
        .split("```sql\n")
        .skip(1)
        .map(|b| b.split("\n```").next().unwrap())
        .collect();
    assert!(queries.len() >= 5, "the auditor examples are there");
    let mut s = demo_with_history()?;
    for q in queries {
        let params = if q.contains(":on") {
            Params::Named(vec![(":on".into(), "2025-06-15T00:00:00Z".into())])
        } else {
            Params::None
        };
        let r = s
            .query(q, &params)
            .unwrap_or_else(|e| panic!("example query failed: {e}\n{q}"));
        assert!(!r.rows.is_empty(), "example query found nothing:\n{q}");
    }
    // The past-date example sees the licenses removed since.
    let on = |t: &str| Params::Named(vec![(":on".into(), Value::Text(t.into()))]);
    let count = "SELECT count(*) FROM assignment_history \
                 WHERE from_at <= :on AND (to_at IS NULL OR to_at > :on)";
    let then = s.query(count, &on("2025-06-15T00:00:00Z"))?;
    let now = s.query(count, &on("2025-07-15T00:00:00Z"))?;
    match (&then.rows[0][0], &now.rows[0][0]) {
        (Value::Integer(a), Value::Integer(b)) => assert_eq!(a - b, 10, "10 licenses removed"),
        other => panic!("{other:?}"),
    }
    Ok(())
}
