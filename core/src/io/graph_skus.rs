//! Microsoft Graph `GET /v1.0/subscribedSkus` JSON: a customer's SKUs with their prepaid units,
//! capability status and `consumedUnits`.
//!
//! Sync is two steps: [`Store::diff_graph_skus`] shows the difference to the store (new, changed,
//! gone) without writing; [`Store::apply_graph_skus`] applies it as one `sync_skus` job with one
//! item per SKU. Units, status and `appliesTo` are set from the file; `consumedUnits` becomes
//! `reported_consumed` (so `drift` shows how far the store is from Microsoft's count). A SKU that
//! the customer has in the store but the file no longer lists ("gone") is marked
//! `capability_status = Deleted` with zero units: its assignments and history stay, visible as
//! negative `available`, for someone to clean up. SKUs are matched by `skuId`; a `skuId` unknown to
//! the catalog refuses the file (import a newer catalog first), naming the SKU.

use std::io::Read;

use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::online::{self, NewSku, Units};
use crate::store::Store;
use crate::validate;

#[derive(Debug, Deserialize)]
struct Response {
    value: Vec<GraphSku>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphSku {
    sku_id: String,
    sku_part_number: Option<String>,
    applies_to: Option<String>,
    capability_status: Option<String>,
    consumed_units: Option<i64>,
    prepaid_units: Option<Prepaid>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Prepaid {
    enabled: Option<i64>,
    warning: Option<i64>,
    suspended: Option<i64>,
    locked_out: Option<i64>,
}

/// What a sync would change for one SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SkuChangeKind {
    /// Not in the store yet.
    New,
    /// In the store with different figures.
    Changed,
    /// In the store, absent from the file.
    Gone,
    /// Identical.
    Unchanged,
}

/// One SKU of a sync difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkuChange {
    /// New, changed, gone or unchanged.
    pub kind: SkuChangeKind,
    /// GUID.
    pub sku_id: String,
    /// Part number.
    pub sku_part_number: String,
    /// Friendly name.
    pub display_name: String,
    /// The fields that differ, as `field: old -> new`.
    pub changes: Vec<String>,
    /// The values the sync sets (`None` for gone SKUs).
    #[serde(skip)]
    pub(crate) target: Option<NewSku>,
}

fn parse(input: impl Read, file: &str) -> Result<Vec<GraphSku>> {
    let r: Response = serde_json::from_reader(input).map_err(|e| {
        Error::invalid(
            "subscribedSkus JSON",
            file,
            format!("not a Graph subscribedSkus response (an object with a \"value\" array): {e}"),
        )
    })?;
    Ok(r.value)
}

impl Store {
    /// The difference between a Graph `subscribedSkus` response and a customer's SKUs; nothing written.
    pub fn diff_graph_skus(
        &mut self,
        customer: &str,
        input: impl Read,
        file: &str,
    ) -> Result<Vec<SkuChange>> {
        let skus = parse(input, file)?;
        self.write(|ctx| {
            online::ensure_catalog(ctx)?;
            Ok(())
        })?;
        let conn = self.conn();
        let c = crate::customers::require(conn, customer)?;
        let current = self.sku_usage(customer)?;
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for g in &skus {
            let guid = validate::guid("skuId", &g.sku_id)?;
            let cat = online::catalog_resolve(conn, &guid).map_err(|_| {
                Error::invalid(
                    "skuId",
                    &g.sku_id,
                    format!(
                        "{} is not in the catalog; import a newer catalog first",
                        g.sku_part_number.as_deref().unwrap_or("this SKU")
                    ),
                )
            })?;
            seen.insert(cat.clone());
            let p = g.prepaid_units.as_ref();
            let units = Units {
                enabled: p.and_then(|p| p.enabled).unwrap_or(0),
                warning: p.and_then(|p| p.warning).unwrap_or(0),
                suspended: p.and_then(|p| p.suspended).unwrap_or(0),
                locked_out: p.and_then(|p| p.locked_out).unwrap_or(0),
            };
            let target = NewSku {
                customer: c.name.clone(),
                sku: cat.clone(),
                units,
                capability_status: g.capability_status.clone(),
                applies_to: g.applies_to.clone(),
                term_end: None,
                reported_consumed: g.consumed_units,
            };
            let (part, name): (String, String) = conn.query_row(
                "SELECT part_number, display_name FROM catalog_sku WHERE sku_id = ?1",
                params![cat],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let (kind, changes) = match current.iter().find(|s| s.sku_id == cat) {
                None => (SkuChangeKind::New, vec![]),
                Some(s) => {
                    let mut ch = Vec::new();
                    if s.units != units {
                        ch.push(format!("units: {:?} -> {:?}", s.units, units));
                    }
                    if let Some(st) = &g.capability_status {
                        if !st.eq_ignore_ascii_case(&s.capability_status) {
                            ch.push(format!(
                                "capability_status: {} -> {st}",
                                s.capability_status
                            ));
                        }
                    }
                    if s.reported_consumed != g.consumed_units {
                        ch.push(format!(
                            "reported_consumed: {:?} -> {:?}",
                            s.reported_consumed, g.consumed_units
                        ));
                    }
                    let kind = if ch.is_empty() {
                        SkuChangeKind::Unchanged
                    } else {
                        SkuChangeKind::Changed
                    };
                    (kind, ch)
                }
            };
            out.push(SkuChange {
                kind,
                sku_id: cat.clone(),
                sku_part_number: part,
                display_name: name,
                changes,
                target: Some(NewSku {
                    term_end: current
                        .iter()
                        .find(|s| s.sku_id == cat)
                        .and_then(|s| s.term_end.clone()),
                    ..target
                }),
            });
        }
        for s in current.iter().filter(|s| !seen.contains(&s.sku_id)) {
            if s.capability_status == "Deleted" && s.units == Units::default() {
                continue;
            }
            out.push(SkuChange {
                kind: SkuChangeKind::Gone,
                sku_id: s.sku_id.clone(),
                sku_part_number: s.sku_part_number.clone(),
                display_name: s.display_name.clone(),
                changes: vec![format!(
                    "capability_status: {} -> Deleted, units -> 0",
                    s.capability_status
                )],
                target: None,
            });
        }
        Ok(out)
    }

    /// Applies a Graph `subscribedSkus` response to a customer as one `sync_skus` job; returns the
    /// job id and the changes applied.
    pub fn apply_graph_skus(
        &mut self,
        customer: &str,
        input: impl Read,
        file: &str,
    ) -> Result<(i64, Vec<SkuChange>)> {
        let changes = self.diff_graph_skus(customer, input, file)?;
        let file = file.to_string();
        let job = self.write(|ctx| {
            let c = crate::customers::require(ctx.tx, customer)?;
            ctx.tx.execute(
                "INSERT INTO job (customer_id, kind, parameters, actor, created_at, started_at, status) \
                 VALUES (?1, 'sync_skus', ?2, ?3, ?4, ?4, 'Running')",
                params![c.id, serde_json::json!({ "file": file }).to_string(), ctx.actor, ctx.now],
            )?;
            let job = ctx.tx.last_insert_rowid();
            for (n, ch) in changes.iter().enumerate() {
                let (outcome, msg) = match (&ch.kind, &ch.target) {
                    (SkuChangeKind::Unchanged, _) => ("skipped", "unchanged".to_string()),
                    (SkuChangeKind::Gone, _) => {
                        ctx.tx.execute(
                            "UPDATE sku SET capability_status = 'Deleted', enabled = 0, warning = 0, suspended = 0, \
                             locked_out = 0, updated_at = ?3 WHERE customer_id = ?1 AND sku_id = ?2",
                            params![c.id, ch.sku_id, ctx.now],
                        )?;
                        ctx.audit("sku.update", "sku", &format!("{}/{}", c.name, ch.sku_id), None,
                            Some(&serde_json::json!({ "capability_status": "Deleted", "job": job })))?;
                        ("ok", format!("gone: {}", ch.changes.join("; ")))
                    }
                    (kind, Some(t)) => {
                        online::set_sku_tx(ctx, t)?;
                        ("ok", format!("{kind:?}: {}", ch.changes.join("; ")))
                    }
                    (_, None) => ("skipped", String::new()),
                };
                ctx.tx.execute(
                    "INSERT INTO job_item (job_id, item, subject, outcome, code, message) VALUES (?1, ?2, ?3, ?4, NULL, ?5)",
                    params![job, n as i64 + 1, format!("{} ({})", ch.display_name, ch.sku_part_number), outcome, msg],
                )?;
            }
            ctx.tx.execute(
                "UPDATE job SET status = 'Finished', finished_at = ?2 WHERE id = ?1",
                params![job, ctx.now],
            )?;
            ctx.audit("job.run", "job", &job.to_string(), None,
                Some(&serde_json::json!({ "kind": "sync_skus", "status": "Finished", "skus": changes.len() })))?;
            Ok(job)
        })?;
        Ok((job, changes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::NewCustomer;

    const DOCS_EXAMPLE: &[u8] =
        include_bytes!("../../tests/data/graph-subscribedSkus-docs-example.json");

    #[test]
    fn docs_example_diff_then_apply() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        s.add_customer(&NewCustomer::named("Contoso"))?;
        s.set_sku(&NewSku {
            customer: "Contoso".into(),
            sku: "ENTERPRISEPACK".into(),
            units: Units {
                enabled: 3,
                ..Units::default()
            },
            ..NewSku::default()
        })?;
        let d = s.diff_graph_skus("Contoso", DOCS_EXAMPLE, "ex.json")?;
        let kinds: Vec<(&str, &SkuChangeKind)> = d
            .iter()
            .map(|c| (c.sku_part_number.as_str(), &c.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("ENTERPRISEPREMIUM", &SkuChangeKind::New),
                ("CRMSTANDARD", &SkuChangeKind::New),
                ("ENTERPRISEPACK", &SkuChangeKind::Gone),
            ]
        );
        assert_eq!(d[0].display_name, "Office 365 E5");
        assert_eq!(s.sku_usage("Contoso")?.len(), 1, "diff writes nothing");

        let (job, _) = s.apply_graph_skus("Contoso", DOCS_EXAMPLE, "ex.json")?;
        let e5 = s.sku("Contoso", "c7df2760-2c81-4ef7-b578-5b5392b571df")?;
        assert_eq!(
            (e5.units.enabled, e5.reported_consumed, e5.drift),
            (25, Some(14), Some(14))
        );
        let crm = s.sku("Contoso", "CRMSTANDARD")?;
        assert_eq!(
            (crm.capability_status.as_str(), crm.units.suspended),
            ("Suspended", 25)
        );
        assert_eq!(
            s.sku("Contoso", "ENTERPRISEPACK")?.capability_status,
            "Deleted"
        );
        let j = s.job(job)?;
        assert_eq!((j.kind.as_str(), j.ok), ("sync_skus", 3));
        // A second diff finds nothing to do.
        let again = s.diff_graph_skus("Contoso", DOCS_EXAMPLE, "ex.json")?;
        assert!(again.iter().all(|c| c.kind == SkuChangeKind::Unchanged));
        // Malformed input names the file.
        let e = s
            .diff_graph_skus("Contoso", &b"{\"value\": 3}"[..], "bad.json")
            .unwrap_err();
        assert!(e.to_string().contains("bad.json"));
        Ok(())
    }
}
