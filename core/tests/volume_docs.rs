//! docs/volume.md documents every column of every volume-licensing view, in order.

use licstore::{Params, Store};

const VIEWS: &[&str] = &[
    "licensing_ids",
    "products",
    "entitlements",
    "license_summary",
    "product_keys",
    "key_activations",
    "limit_increase_requests",
    "sa_benefits",
    "reservations",
];

#[test]
fn every_volume_view_column_is_documented_in_order() -> licstore::Result<()> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/volume.md"))
        .expect("docs/volume.md");
    let views = doc.split("\n## Views").nth(1).expect("a Views section");
    let mut store = Store::open_in_memory()?;
    for view in VIEWS {
        let section = views
            .split(&format!("\n### {view}\n"))
            .nth(1)
            .unwrap_or_else(|| panic!("no section for view {view}"));
        let section = section.split("\n### ").next().unwrap();
        let documented: Vec<&str> = section
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| column"))
            .map(|l| l.split('|').nth(1).unwrap().trim())
            .collect();
        let actual = store.query(&format!("SELECT * FROM {view} LIMIT 0"), &Params::None)?;
        assert_eq!(documented, actual.columns, "docs/volume.md, view {view}");
    }
    Ok(())
}
