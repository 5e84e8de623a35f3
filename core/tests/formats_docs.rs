//! docs/formats.md documents every entity's canonical CSV: this test fails when the table of
//! contents misses an entity, when an entity has no section, or when a section's column table
//! does not list exactly the entity's columns (`Entity::columns`, the export header) in order.

use licstore::Entity;

fn doc() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/formats.md"))
        .expect("docs/formats.md exists")
}

/// The body of `## name`, up to the next `## ` heading.
fn section<'d>(doc: &'d str, name: &str) -> Option<&'d str> {
    let heading = format!("\n## {name}\n");
    let start = doc.find(&heading)? + heading.len();
    let rest = &doc[start..];
    Some(&rest[..rest.find("\n## ").unwrap_or(rest.len())])
}

/// The first cells of the section's first table whose header starts with `| column |`.
fn table_columns(section: &str) -> Option<Vec<String>> {
    let mut lines = section.lines().skip_while(|l| !l.starts_with("| column |"));
    lines.next()?;
    lines.next()?; // | --- |
    Some(
        lines
            .take_while(|l| l.starts_with('|'))
            .map(|l| {
                let cell = l.trim_start_matches('|').split('|').next().unwrap_or("");
                cell.trim().trim_matches('`').to_string()
            })
            .collect(),
    )
}

#[test]
fn contents_list_every_entity_and_sections_list_its_columns() {
    let doc = doc();
    let contents = section(&doc, "Contents").expect("a Contents section");
    for e in Entity::ALL {
        assert!(
            contents.contains(&format!("[{}](#{})", e.name(), e.name())),
            "the contents of docs/formats.md link to {e}"
        );
        let body = section(&doc, e.name())
            .unwrap_or_else(|| panic!("docs/formats.md has a section for {e}"));
        if let Some(cols) = table_columns(body) {
            assert_eq!(cols, e.columns(), "docs/formats.md, {e}: the column table");
            let sample = format!("```csv\n{}\n", e.columns().join(","));
            assert!(
                body.contains(&sample),
                "docs/formats.md, {e}: a CSV sample with the canonical header"
            );
        } else {
            // Only an entity whose section is still to be written may lack its table.
            assert!(
                body.contains("Section written with"),
                "docs/formats.md, {e}: no column table"
            );
        }
    }
}

/// The CSV sample of a section (its first ```csv block).
fn sample(section: &str) -> Option<&str> {
    let start = section.find("```csv\n")? + "```csv\n".len();
    let rest = &section[start..];
    Some(&rest[..rest.find("```")?])
}

/// The online-services samples build on each other (the customers the SKUs name, the users the
/// numbers name): imported in the documented order into one empty store, every one is accepted.
#[test]
fn the_online_samples_import_in_the_documented_order() -> licstore::Result<()> {
    let doc = doc();
    let mut s = licstore::Store::open_in_memory()?;
    let online = &Entity::ALL[..Entity::ALL
        .iter()
        .position(|e| *e == Entity::Numbers)
        .unwrap()
        + 1];
    for e in online {
        let Some(text) = section(&doc, e.name()).and_then(sample) else {
            continue;
        };
        let r = s
            .import_entity(
                *e,
                text.as_bytes(),
                licstore::ImportOptions::new(format!("{e} sample")),
            )
            .unwrap_or_else(|err| panic!("docs/formats.md, {e}: the sample imports: {err}"));
        assert_eq!(r.rows, text.lines().count() as u64 - 1, "{e}");
    }
    Ok(())
}
