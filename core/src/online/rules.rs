//! Listing the SKU rules ([`Store::sku_rules`]), as the rules engine reads them.
//!
//! Rules are stored one row per pair (`requires` add-on + one base, `excludes` pair stored once,
//! `blocked_in` SKU + one country) and enforced that way: every `requires` row of an add-on is one
//! alternative of a single "any of" set, every country of a SKU blocks it. The listing folds the
//! rows back into the [`SkuRule`]s a caller adds, so that what `sku_rules` returns can be added to
//! another store unchanged.

use std::collections::BTreeMap;

use super::SkuRule;
use crate::error::Result;
use crate::store::Store;

impl Store {
    /// Every SKU rule, valid for every customer: one `Requires` per add-on with all its base SKUs,
    /// one `Excludes` per pair, one `BlockedIn` per SKU with all its countries. SKUs are named by
    /// part number (by GUID when the catalog does not know it). Ordered by kind (requires,
    /// excludes, blocked-in), then by SKU; the lists inside a rule are sorted.
    pub fn sku_rules(&self) -> Result<Vec<SkuRule>> {
        let mut st = self.conn().prepare_cached(
            "SELECT r.kind, coalesce(cs.part_number, r.sku_id), \
                    coalesce(co.part_number, r.other_sku_id), r.country \
             FROM sku_rule r \
             LEFT JOIN catalog_sku cs ON cs.sku_id = r.sku_id \
             LEFT JOIN catalog_sku co ON co.sku_id = r.other_sku_id",
        )?;
        let mut requires: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut excludes: Vec<(String, String)> = vec![];
        let mut blocked: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let kind: String = r.get(0)?;
            let sku: String = r.get(1)?;
            let other: Option<String> = r.get(2)?;
            let country: Option<String> = r.get(3)?;
            match (kind.as_str(), other, country) {
                ("requires", Some(o), _) => requires.entry(sku).or_default().push(o),
                ("excludes", Some(o), _) => {
                    // Stored once, in GUID order; listed in part-number order.
                    excludes.push(if sku <= o { (sku, o) } else { (o, sku) })
                }
                (_, _, Some(c)) => blocked.entry(sku).or_default().push(c),
                // The table's CHECK constraint allows no other shape.
                _ => {}
            }
        }
        // N.B. `add_sku_rule` stores a repeated rule again: the table's UNIQUE constraint treats
        // the NULL `country` (or `other_sku_id`) of a row as distinct from every other NULL.
        // Harmless to the rules engine, which reads the rows as sets; folded here.
        excludes.sort();
        excludes.dedup();
        let mut out = Vec::with_capacity(requires.len() + excludes.len() + blocked.len());
        for (sku, mut any_of) in requires {
            any_of.sort();
            any_of.dedup();
            out.push(SkuRule::Requires { sku, any_of });
        }
        for (sku, other) in excludes {
            out.push(SkuRule::Excludes { sku, other });
        }
        for (sku, mut countries) in blocked {
            countries.sort();
            countries.dedup();
            out.push(SkuRule::BlockedIn { sku, countries });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_list_as_they_were_added() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        assert_eq!(s.sku_rules()?, vec![]);
        s.add_sku_rule(&SkuRule::Requires {
            sku: "MCOEV".into(),
            any_of: vec!["SPE_E5".into()],
        })?;
        // A second add for the same add-on widens its one any-of set; by GUID works too.
        s.add_sku_rule(&SkuRule::Requires {
            sku: "mcoev".into(),
            any_of: vec![
                "6fd2c87f-b296-42f0-b197-1e91e994b900".into(),
                "SPE_E5".into(),
            ],
        })?;
        // Either way round, twice: one rule.
        s.add_sku_rule(&SkuRule::Excludes {
            sku: "SPE_E5".into(),
            other: "ENTERPRISEPACK".into(),
        })?;
        s.add_sku_rule(&SkuRule::Excludes {
            sku: "ENTERPRISEPACK".into(),
            other: "SPE_E5".into(),
        })?;
        s.add_sku_rule(&SkuRule::BlockedIn {
            sku: "MCOEV".into(),
            countries: vec!["ru".into(), "CN".into()],
        })?;
        // Adding an identical rule again changes nothing.
        s.add_sku_rule(&SkuRule::BlockedIn {
            sku: "MCOEV".into(),
            countries: vec!["CN".into()],
        })?;
        let rules = s.sku_rules()?;
        assert_eq!(
            rules,
            vec![
                SkuRule::Requires {
                    sku: "MCOEV".into(),
                    any_of: vec!["ENTERPRISEPACK".into(), "SPE_E5".into()],
                },
                SkuRule::Excludes {
                    sku: "ENTERPRISEPACK".into(),
                    other: "SPE_E5".into(),
                },
                SkuRule::BlockedIn {
                    sku: "MCOEV".into(),
                    countries: vec!["CN".into(), "RU".into()],
                },
            ]
        );
        // What the listing returns adds to another store as the same rules.
        let mut t = Store::open_in_memory()?;
        for r in &rules {
            t.add_sku_rule(r)?;
        }
        assert_eq!(t.sku_rules()?, rules);
        Ok(())
    }
}
