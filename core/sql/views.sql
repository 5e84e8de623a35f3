-- The public SQL surface: stable views (the contract for users' queries), documented column by
-- column in docs/sql.md (a test compares the two). Dropped and recreated by every migration.

DROP VIEW IF EXISTS customers;
CREATE VIEW customers AS
SELECT
    c.name                   AS name,
    c.tenant_domain          AS tenant_domain,
    c.default_usage_location AS default_usage_location,
    c.created_at             AS created_at,
    c.updated_at             AS updated_at
FROM customer c;

DROP VIEW IF EXISTS audit_log;
CREATE VIEW audit_log AS
SELECT
    a.id         AS id,
    a.at         AS at,
    a.actor      AS actor,
    a.action     AS action,
    a.entity     AS entity,
    a.entity_key AS entity_key,
    a.before     AS before,
    a.after      AS after
FROM audit_event a;
