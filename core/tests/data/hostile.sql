-- A corpus of statements the read-only SQL channel must refuse, one per block; blocks are separated
-- by lines of four dashes. core/tests/hostile_sql.rs runs each one against a store file and checks
-- it is refused and that the file and its WAL are unchanged byte for byte.
----
DELETE FROM customers
----
DELETE FROM customer
----
INSERT INTO customers (name) VALUES ('x')
----
INSERT INTO customer (name, created_at, updated_at) VALUES ('x', '', '')
----
REPLACE INTO customer (id, name, created_at, updated_at) VALUES (1, 'x', '', '')
----
UPDATE customer SET name = 'x'
----
UPDATE customers SET name = 'x'
----
INSERT INTO audit_event (at, actor, action, entity, entity_key) VALUES ('', '', '', '', '')
----
DROP VIEW customers
----
DROP TABLE customer
----
ALTER TABLE customer ADD COLUMN x
----
ALTER TABLE customer RENAME TO c2
----
CREATE TABLE t (x)
----
CREATE TEMP TABLE t (x)
----
CREATE TEMP VIEW v AS SELECT * FROM customer
----
CREATE VIEW v AS SELECT 1
----
CREATE INDEX i ON customer (name)
----
CREATE TRIGGER t AFTER INSERT ON customer BEGIN DELETE FROM customer; END
----
CREATE VIRTUAL TABLE v USING fts5(x)
----
ATTACH DATABASE '/tmp/licstore-hostile.db' AS x
----
ATTACH DATABASE ':memory:' AS m
----
ATTACH 'file:other?mode=memory' AS o
----
DETACH DATABASE main
----
PRAGMA user_version = 7
----
PRAGMA journal_mode = DELETE
----
PRAGMA journal_mode
----
PRAGMA writable_schema = ON
----
PRAGMA foreign_keys = OFF
----
PRAGMA query_only = OFF
----
PRAGMA table_info(customer)
----
PRAGMA wal_checkpoint(TRUNCATE)
----
PRAGMA main.page_size = 512
----
SELECT * FROM pragma_table_info('customer')
----
SELECT * FROM pragma_database_list
----
SELECT load_extension('/tmp/libevil.so')
----
SELECT load_extension('libevil', 'sqlite3_evil_init')
----
SELECT readfile('/etc/passwd')
----
SELECT writefile('/tmp/licstore-hostile.txt', 'x')
----
SELECT edit('x')
----
SELECT fts3_tokenizer('simple')
----
SELECT sqlite_compileoption_used('ENABLE_LOAD_EXTENSION')
----
SELECT sqlite_compileoption_get(0)
----
SELECT * FROM customer
----
SELECT * FROM main.customer
----
SELECT * FROM "customer"
----
SELECT * FROM audit_event
----
SELECT * FROM subscriber
----
SELECT * FROM product_key
----
SELECT * FROM sqlite_schema
----
SELECT * FROM sqlite_master
----
SELECT * FROM main.sqlite_master
----
SELECT * FROM sqlite_temp_master
----
SELECT * FROM temp.sqlite_master
----
SELECT * FROM sqlite_sequence
----
SELECT * FROM sqlite_stat1
----
SELECT * FROM dbstat
----
SELECT (SELECT count(*) FROM customer)
----
SELECT (SELECT max(name) FROM customer)
----
SELECT * FROM (SELECT * FROM audit_event)
----
SELECT name FROM customers WHERE name IN (SELECT name FROM customer)
----
SELECT * FROM customers c JOIN customer k ON k.name = c.name
----
WITH x AS (SELECT * FROM customer) SELECT * FROM x
----
WITH RECURSIVE x(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM x) SELECT n FROM x
----
SELECT count(*) FROM customers a, customers b, customers c, customers d, customers e,
  customers f, customers g, customers h, customers i, customers j, customers k, customers l,
  customers m, customers n, customers o, customers p
----
WITH x AS (SELECT 1) DELETE FROM customer
----
WITH x AS (SELECT 1) INSERT INTO customer (name) SELECT 1 FROM x
----
BEGIN
----
BEGIN IMMEDIATE
----
COMMIT
----
ROLLBACK
----
SAVEPOINT s
----
RELEASE s
----
SELECT 1; DELETE FROM customer
----
SELECT 1; SELECT 2
----
VACUUM
----
VACUUM INTO '/tmp/licstore-hostile-copy.db'
----
REINDEX
----
ANALYZE
----
SELECT zeroblob(2000000000)
----
SELECT printf('%.*c', 2000000000, 'x')
----
SELECT length(printf('%.*c', 20000000, 'x'))
----
SELECT replace(hex(zeroblob(100000000)), '0', 'xx')
----
SELECT * FROM license_summary('not-a-date')
----
SELECT * FROM license_summary('2025-06-30', 'no-such-licensing-id')
----
SELEKT * FROM customers
----
SELECT * FROM customers WHERE name = ?2
----
