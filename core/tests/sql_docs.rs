//! docs/sql.md documents every public view column by column: this test fails when a view (or a
//! view column) exists that the document does not describe. Views other helpers add on other
//! branches are checked as soon as their section exists in the document.

use licstore::{Params, Result, Store};

#[test]
fn every_documented_view_lists_all_its_columns() -> Result<()> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/sql.md"))
        .expect("docs/sql.md exists");
    let mut s = Store::open_in_memory()?;
    let views = s.views()?;
    let online = [
        "customers",
        "audit_log",
        "sku_usage",
        "subscribers",
        "subscriber_licenses",
        "assignment_history",
        "jobs",
        "job_items",
        "numbers",
        "expiring",
    ];
    for v in online {
        assert!(views.iter().any(|x| x == v), "view {v} exists");
    }
    for v in &views {
        let heading = format!("\n## {v}\n");
        let Some(start) = doc.find(&heading) else {
            assert!(
                !online.contains(&v.as_str()),
                "docs/sql.md has no section for view {v}"
            );
            continue;
        };
        let section = &doc[start + heading.len()..];
        let section = &section[..section.find("\n## ").unwrap_or(section.len())];
        let cols = s.query(&format!("SELECT * FROM \"{v}\" LIMIT 0"), &Params::None)?;
        for c in &cols.columns {
            assert!(
                section.contains(&format!("| `{c}` |")),
                "docs/sql.md, view {v}: column {c} is not documented"
            );
        }
    }
    Ok(())
}
