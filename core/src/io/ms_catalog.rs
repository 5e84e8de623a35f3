//! Microsoft's "Product names and service plan identifiers for licensing" CSV
//! (`Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names`),
//! one row per (SKU, included service plan). A copy is built in ([`BUILT_IN`]).
//!
//! The real file's traps, all handled here and tested below:
//! - a UTF-8 BOM and CRLF line ends;
//! - quoted fields with commas;
//! - leading/trailing spaces and U+00A0 no-break spaces in cells, also inside GUIDs: every cell
//!   has U+00A0 turned into a space and is trimmed; GUIDs lose every blank and are lower-cased;
//! - exact duplicate rows: kept once (counted in [`ParsedCatalog::duplicate_rows`]);
//! - one `String_Id` with two GUIDs (`MCOPSTN5`): both SKUs are kept; the part number is then
//!   not a key, and a lookup by it reports the ambiguity ([`crate::online`]);
//! - one GUID with two display names (a renamed product listed twice): the **first** name in file
//!   order is the SKU's display name (Microsoft sorts the file by name, and the renamed entries, e.g.
//!   "Microsoft Copilot Studio User License" before "Power Virtual Agent User License", come first),
//!   every other name is kept as an alias so that exports using the old name still resolve.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use super::{Column, Records};
use crate::error::{CsvErrors, Error, Result, RowError};
use crate::validate;

/// The catalog shipped inside licstore (a byte-for-byte copy of Microsoft's file, 2025-12-17).
pub const BUILT_IN: &[u8] = include_bytes!("../../data/ms-product-service-plans.csv");

const SPEC: &[Column] = &[
    Column {
        name: "Product_Display_Name",
        required: true,
    },
    Column {
        name: "String_Id",
        required: true,
    },
    Column {
        name: "GUID",
        required: true,
    },
    Column {
        name: "Service_Plan_Name",
        required: true,
    },
    Column {
        name: "Service_Plan_Id",
        required: true,
    },
    Column {
        name: "Service_Plans_Included_Friendly_Names",
        required: true,
    },
];

/// One SKU of the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    /// SKU GUID, lower case.
    pub sku_id: String,
    /// `String_Id` (Graph `skuPartNumber`).
    pub part_number: String,
    /// The friendly name (first in file order).
    pub display_name: String,
    /// Other display names of the same GUID.
    pub aliases: Vec<String>,
    /// Service plans: (plan id, plan name, plan friendly name), in file order, without duplicates.
    pub plans: Vec<(String, String, String)>,
}

/// A parsed catalog file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedCatalog {
    /// SKUs in file order of their first row.
    pub skus: Vec<CatalogEntry>,
    /// Data rows read.
    pub rows: u64,
    /// Rows identical (after cleaning) to an earlier row, dropped.
    pub duplicate_rows: u64,
}

/// Normalizes a cell: U+00A0 becomes a space, surrounding blanks go.
fn clean(s: &str) -> String {
    s.replace('\u{a0}', " ").trim().to_string()
}

/// Parses a catalog file. Any malformed row (bad GUID, empty required cell) rejects the file with
/// every bad row listed by line and column.
pub fn parse(input: impl Read, file: &str) -> Result<ParsedCatalog> {
    let (mut records, header) = Records::open(input, file, b',', SPEC)?;
    let mut out = ParsedCatalog::default();
    let mut by_guid: HashMap<String, usize> = HashMap::new();
    let mut seen_rows: HashSet<String> = HashSet::new();
    let mut errors: Vec<RowError> = Vec::new();
    let mut rejected = 0u64;
    while let Some(next) = records.next()? {
        out.rows += 1;
        let rec = match next {
            Ok(r) => r,
            Err(e) => {
                rejected += 1;
                errors.push(e);
                continue;
            }
        };
        let row = (|| -> std::result::Result<_, RowError> {
            let mut cells = Vec::with_capacity(6);
            for (ci, col) in SPEC.iter().enumerate() {
                let v = clean(rec.require(&header, SPEC, ci)?);
                if v.is_empty() {
                    return Err(rec.error(Some(col.name), Some(""), "a value is required"));
                }
                cells.push(v);
            }
            let sku =
                validate::guid("GUID", &cells[2]).map_err(|e| super::row_error(&rec, "GUID", e))?;
            let plan = validate::guid("Service_Plan_Id", &cells[4])
                .map_err(|e| super::row_error(&rec, "Service_Plan_Id", e))?;
            Ok((cells, sku, plan))
        })();
        let (cells, sku, plan) = match row {
            Ok(x) => x,
            Err(e) => {
                rejected += 1;
                if errors.len() < CsvErrors::MAX_KEPT {
                    errors.push(e);
                }
                continue;
            }
        };
        let key = format!(
            "{}\u{1f}{}\u{1f}{sku}\u{1f}{}\u{1f}{plan}\u{1f}{}",
            cells[0], cells[1], cells[3], cells[5]
        );
        if !seen_rows.insert(key) {
            out.duplicate_rows += 1;
            continue;
        }
        let idx = *by_guid.entry(sku.clone()).or_insert_with(|| {
            out.skus.push(CatalogEntry {
                sku_id: sku.clone(),
                part_number: cells[1].clone(),
                display_name: cells[0].clone(),
                aliases: vec![],
                plans: vec![],
            });
            out.skus.len() - 1
        });
        let e = &mut out.skus[idx];
        if e.display_name != cells[0] && !e.aliases.contains(&cells[0]) {
            e.aliases.push(cells[0].clone());
        }
        // The same (SKU, plan) under a second display name is the same plan, kept once.
        if !e.plans.iter().any(|p| p.0 == plan) {
            e.plans.push((plan, cells[3].clone(), cells[5].clone()));
        }
    }
    if rejected > 0 {
        return Err(Error::Csv(Box::new(CsvErrors { errors, rejected })));
    }
    if out.skus.is_empty() {
        return Err(Error::invalid(file, "", "the catalog file has no rows"));
    }
    Ok(out)
}

/// The built-in catalog, parsed.
pub fn built_in() -> Result<ParsedCatalog> {
    parse(BUILT_IN, "<built-in catalog>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_file_is_the_shipped_copy_with_its_traps() -> Result<()> {
        assert!(BUILT_IN.starts_with(b"\xEF\xBB\xBF"), "BOM kept");
        assert!(BUILT_IN.windows(2).any(|w| w == b"\r\n"), "CRLF kept");
        let c = built_in()?;
        assert_eq!(c.rows, 5825);
        assert_eq!(c.skus.len(), 610);
        assert_eq!(c.duplicate_rows, 16);
        let plans: std::collections::HashSet<&str> = c
            .skus
            .iter()
            .flat_map(|s| s.plans.iter().map(|p| p.0.as_str()))
            .collect();
        assert_eq!(plans.len(), 769);
        // One String_Id, two GUIDs.
        let pstn5: Vec<&CatalogEntry> = c
            .skus
            .iter()
            .filter(|s| s.part_number == "MCOPSTN5")
            .collect();
        assert_eq!(pstn5.len(), 2);
        // One GUID, two names: the first in file order wins, the other is an alias.
        let vas = c
            .skus
            .iter()
            .find(|s| s.sku_id == "4b74a65c-8b4a-4fc8-9f6b-5177ed11ddfa")
            .unwrap();
        assert_eq!(vas.display_name, "Microsoft Copilot Studio User License");
        assert_eq!(vas.aliases, vec!["Power Virtual Agent User License"]);
        assert_eq!(c.skus.iter().filter(|s| !s.aliases.is_empty()).count(), 3);
        // Quoted commas survive.
        assert!(c
            .skus
            .iter()
            .any(|s| s.display_name == "Windows 365 Business 16 vCPU, 64 GB, 1 TB"));
        // No cell keeps a no-break space or stray blank; every GUID is canonical.
        for s in &c.skus {
            assert_eq!(s.display_name, s.display_name.trim());
            assert!(!s.display_name.contains('\u{a0}'));
            assert_eq!(validate::guid("x", &s.sku_id)?, s.sku_id);
            for p in &s.plans {
                assert_eq!(validate::guid("x", &p.0)?, p.0);
                assert!(!p.1.contains('\u{a0}') && p.1 == p.1.trim());
            }
        }
        Ok(())
    }

    #[test]
    fn small_file_traps_and_errors() -> Result<()> {
        let text = "\u{feff}Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names\r\n\
            \"Office, Big\",OFF, C7DF2760-2C81-4EF7-B578-5B5392B571DF\u{a0},EXCHANGE_S,efb87545-963c-4e0d-99df-69c6916d9eb0,Exchange\r\n\
            \"Office, Big\",OFF, C7DF2760-2C81-4EF7-B578-5B5392B571DF\u{a0},EXCHANGE_S,efb87545-963c-4e0d-99df-69c6916d9eb0,Exchange\r\n\
            Office Renamed,OFF,c7df2760-2c81-4ef7-b578-5b5392b571df,MCOEV\u{a0},4828c8ec-dc2e-4779-b502-87ac9ce28ab7,Phone System \r\n";
        let c = parse(text.as_bytes(), "t.csv")?;
        assert_eq!(c.rows, 3);
        assert_eq!(c.duplicate_rows, 1);
        assert_eq!(c.skus.len(), 1);
        let s = &c.skus[0];
        assert_eq!(s.sku_id, "c7df2760-2c81-4ef7-b578-5b5392b571df");
        assert_eq!(s.display_name, "Office, Big");
        assert_eq!(s.aliases, vec!["Office Renamed"]);
        assert_eq!(s.plans[1].1, "MCOEV");
        assert_eq!(s.plans[1].2, "Phone System");

        let bad = "Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names\n\
            A,B,not-a-guid,P,efb87545-963c-4e0d-99df-69c6916d9eb0,F\n";
        let e = parse(bad.as_bytes(), "bad.csv").unwrap_err();
        let first = e.csv_errors().unwrap().first().clone();
        assert_eq!((first.line, first.column.as_deref()), (2, Some("GUID")));
        assert_eq!(first.value.as_deref(), Some("not-a-guid"));
        Ok(())
    }
}
