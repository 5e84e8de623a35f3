//! The audit log: one append-only row per change. The schema's triggers refuse UPDATE and DELETE
//! on it, so not even licstore itself can rewrite history.

use rusqlite::{params, Connection};
use serde::Serialize;

use crate::error::Result;
use crate::store::Store;

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Monotonic id (insertion order).
    pub id: i64,
    /// When (ISO-8601 UTC).
    pub at: String,
    /// Who.
    pub actor: String,
    /// What was done: `customer.add`, `customer.update`, ...
    pub action: String,
    /// The kind of entity: `customer`, ...
    pub entity: String,
    /// The entity's natural key.
    pub entity_key: String,
    /// The entity before the change, as JSON (absent for additions).
    pub before: Option<String>,
    /// The entity after the change, as JSON (absent for removals).
    pub after: Option<String>,
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn append(
    conn: &Connection,
    at: &str,
    actor: &str,
    action: &str,
    entity: &str,
    key: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Result<()> {
    let mut st = conn.prepare_cached(
        "INSERT INTO audit_event (at, actor, action, entity, entity_key, before, after) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    st.execute(params![
        at,
        actor,
        action,
        entity,
        key,
        before.map(|v| v.to_string()),
        after.map(|v| v.to_string())
    ])?;
    Ok(())
}

impl Store {
    /// The audit entries about one entity (oldest first), or all entries when `entity` is `None`.
    pub fn audit_entries(&self, entity: Option<(&str, &str)>) -> Result<Vec<AuditEntry>> {
        let sql =
            "SELECT id, at, actor, action, entity, entity_key, before, after FROM audit_event \
                   WHERE (?1 IS NULL OR (entity = ?1 AND entity_key = ?2)) ORDER BY id";
        let mut st = self.conn().prepare_cached(sql)?;
        let (e, k) = match entity {
            Some((e, k)) => (Some(e), Some(k)),
            None => (None, None),
        };
        let rows = st.query_map(params![e, k], |r| {
            Ok(AuditEntry {
                id: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                entity: r.get(4)?,
                entity_key: r.get(5)?,
                before: r.get(6)?,
                after: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
