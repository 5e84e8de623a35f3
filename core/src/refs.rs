//! "What still references this row?" — answered from the schema's own foreign keys, so that every
//! table a later migration adds is covered without a list to keep in sync.

use rusqlite::Connection;

use crate::error::Result;

/// Counts the rows of every table whose foreign keys point at `table`.`id` = `id`, and describes
/// them ("2 subscriber rows, 1 sku rows"); empty when nothing references the row.
pub(crate) fn references(conn: &Connection, table: &str, id: i64) -> Result<String> {
    let mut fks = conn.prepare_cached(
        "SELECT m.name, f.\"from\" FROM sqlite_schema m, pragma_foreign_key_list(m.name) f \
         WHERE m.type = 'table' AND f.\"table\" = ?1 ORDER BY m.name, f.\"from\"",
    )?;
    let pairs: Vec<(String, String)> = fks
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut parts = Vec::new();
    for (t, col) in pairs {
        let sql = format!(
            "SELECT count(*) FROM \"{}\" WHERE \"{}\" = ?1",
            t.replace('"', "\"\""),
            col.replace('"', "\"\"")
        );
        let n: i64 = conn.query_row(&sql, [id], |r| r.get(0))?;
        if n > 0 {
            parts.push(format!("{n} {t} rows"));
        }
    }
    Ok(parts.join(", "))
}
