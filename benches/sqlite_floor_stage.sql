-- Staging for the "sqlite3 floor" rows of benches/compare_import.py (not timed): turns the flat
-- table that the sqlite3 shell's `.import` made (@FLAT@) into the store's normalized rows, ready
-- to copy: one row per user (ids in UPN order, customer resolved) and one per assignment (user
-- id, SKU row id resolved from part number or GUID, instants in the stored form), sorted by the
-- keys of the tables they go to. Run by the sqlite3 shell on the staging database, with the
-- prepared store (@STORE@, read for its customers and SKUs) attached.
.bail on
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
ATTACH '@FLAT@' AS flat;
ATTACH 'file:@STORE@?mode=ro' AS store;

CREATE TABLE sku_key (customer TEXT NOT NULL, key TEXT NOT NULL, sku_ref INTEGER NOT NULL,
                      PRIMARY KEY (customer, key)) WITHOUT ROWID;
INSERT OR IGNORE INTO sku_key
    SELECT c.name, k.sku_part_number, k.id FROM store.sku k JOIN store.customer c ON c.id = k.customer_id
    UNION ALL
    SELECT c.name, k.sku_id, k.id FROM store.sku k JOIN store.customer c ON c.id = k.customer_id;

CREATE TABLE sub (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, upn TEXT NOT NULL,
                  display_name TEXT, usage_location TEXT);
INSERT INTO sub (id, customer_id, upn, display_name, usage_location)
    SELECT (SELECT coalesce(max(id), 0) FROM store.subscriber)
               + row_number() OVER (ORDER BY f.user_principal_name COLLATE NOCASE),
           c.id, f.user_principal_name, nullif(max(f.display_name), ''),
           nullif(max(f.usage_location), '')
    FROM flat.assignments f JOIN store.customer c ON c.name = f.customer
    GROUP BY f.user_principal_name COLLATE NOCASE;
CREATE UNIQUE INDEX sub_upn ON sub (upn COLLATE NOCASE);

CREATE TABLE asg (subscriber_id INTEGER NOT NULL, sku_ref INTEGER NOT NULL,
                  assigned_at TEXT NOT NULL, expires_at TEXT,
                  PRIMARY KEY (subscriber_id, sku_ref)) WITHOUT ROWID;
INSERT INTO asg (subscriber_id, sku_ref, assigned_at, expires_at)
    SELECT s.id, k.sku_ref,
           CASE WHEN length(f.assigned_at) = 10 THEN f.assigned_at || 'T00:00:00Z'
                ELSE coalesce(nullif(f.assigned_at, ''), '2026-01-01T00:00:00Z') END,
           CASE WHEN f.expires_at = '' THEN NULL
                WHEN length(f.expires_at) = 10 THEN f.expires_at || 'T00:00:00Z'
                ELSE f.expires_at END
    FROM flat.assignments f
    JOIN sub s ON s.upn = f.user_principal_name COLLATE NOCASE
    JOIN sku_key k ON k.customer = f.customer AND k.key = f.sku;
