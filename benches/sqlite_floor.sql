-- The "sqlite3 floor" rows of benches/compare_import.py: the least SQLite itself needs to store
-- the normalized rows of an assignments import in the store's real tables, with licstore's
-- connection settings. No parsing, no validation, no audit: the rows come ready and sorted from
-- the staging database (@STAGE@, made by sqlite_floor_stage.sql, not timed), so every B-tree,
-- the UPN's unique index included, is filled in key order; the store's secondary indexes of the
-- tables loaded were dropped before (not timed) and are built again here in one sorted pass
-- each. Timed: the INSERTs, the index builds and the COMMIT (with its WAL checkpoint).
-- @HISTORY@ lines are kept only by the variant that also writes the history rows
-- (assignment_interval), as the import does; @CREATE_INDEXES@ is the store's own CREATE INDEX
-- statements, read from its sqlite_schema by compare_import.py.
.bail on
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA cache_size = -65536;
PRAGMA temp_store = MEMORY;
PRAGMA threads = 2;
PRAGMA foreign_keys = OFF;
ATTACH '@STAGE@' AS st;
.timer on
BEGIN IMMEDIATE;
INSERT INTO subscriber (id, customer_id, user_principal_name, display_name, usage_location, created_at, updated_at)
    SELECT id, customer_id, upn, display_name, usage_location, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'
    FROM st.sub ORDER BY id;
INSERT INTO assignment (subscriber_id, sku_ref, assigned_at, expires_at, assigned_by)
    SELECT subscriber_id, sku_ref, assigned_at, expires_at, 'bench'
    FROM st.asg ORDER BY subscriber_id, sku_ref;
INSERT INTO assignment_interval (subscriber_id, sku_ref, from_at, start_reason, assigned_by) @HISTORY@
    SELECT subscriber_id, sku_ref, assigned_at, 'import', 'bench' @HISTORY@
    FROM st.asg ORDER BY subscriber_id, sku_ref; @HISTORY@
@CREATE_INDEXES@
COMMIT;
