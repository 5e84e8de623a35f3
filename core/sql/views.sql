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

-- Online services (DOMAIN.md section 2).

DROP VIEW IF EXISTS sku_usage;
CREATE VIEW sku_usage AS
SELECT
    c.name                                        AS customer,
    k.sku_id                                      AS sku_id,
    k.sku_part_number                             AS sku_part_number,
    coalesce(cs.display_name, k.sku_part_number)  AS display_name,
    k.enabled                                     AS enabled,
    k.warning                                     AS warning,
    k.suspended                                   AS suspended,
    k.locked_out                                  AS locked_out,
    k.capability_status                           AS capability_status,
    k.applies_to                                  AS applies_to,
    k.term_end                                    AS term_end,
    (SELECT count(*) FROM assignment a WHERE a.sku_ref = k.id)                        AS assigned,
    k.enabled + k.warning - (SELECT count(*) FROM assignment a WHERE a.sku_ref = k.id) AS available,
    k.reported_consumed                           AS reported_consumed,
    k.reported_consumed - (SELECT count(*) FROM assignment a WHERE a.sku_ref = k.id)   AS drift
FROM sku k
JOIN customer c ON c.id = k.customer_id
LEFT JOIN catalog_sku cs ON cs.sku_id = k.sku_id;

DROP VIEW IF EXISTS subscribers;
CREATE VIEW subscribers AS
SELECT
    c.name                 AS customer,
    s.user_principal_name  AS user_principal_name,
    s.display_name         AS display_name,
    s.usage_location       AS usage_location,
    coalesce(s.usage_location, c.default_usage_location) AS effective_usage_location,
    s.department           AS department,
    s.object_id            AS object_id,
    s.status               AS status,
    (SELECT count(*) FROM assignment a WHERE a.subscriber_id = s.id) AS licenses,
    s.created_at           AS created_at,
    s.updated_at           AS updated_at
FROM subscriber s
JOIN customer c ON c.id = s.customer_id;

DROP VIEW IF EXISTS subscriber_licenses;
CREATE VIEW subscriber_licenses AS
SELECT
    c.name                                        AS customer,
    s.user_principal_name                         AS user_principal_name,
    s.display_name                                AS user_display_name,
    s.status                                      AS status,
    k.sku_id                                      AS sku_id,
    k.sku_part_number                             AS sku_part_number,
    coalesce(cs.display_name, k.sku_part_number)  AS sku_display_name,
    a.assigned_at                                 AS assigned_at,
    a.expires_at                                  AS expires_at,
    a.disabled_plans                              AS disabled_plans,
    a.source                                      AS source,
    a.assigned_by                                 AS assigned_by,
    a.job_id                                      AS job_id
FROM assignment a
JOIN subscriber s ON s.id = a.subscriber_id
JOIN sku k ON k.id = a.sku_ref
JOIN customer c ON c.id = k.customer_id
LEFT JOIN catalog_sku cs ON cs.sku_id = k.sku_id;

DROP VIEW IF EXISTS assignment_history;
CREATE VIEW assignment_history AS
SELECT
    c.name                                        AS customer,
    s.user_principal_name                         AS user_principal_name,
    k.sku_id                                      AS sku_id,
    k.sku_part_number                             AS sku_part_number,
    coalesce(cs.display_name, k.sku_part_number)  AS sku_display_name,
    h.from_at                                     AS from_at,
    h.to_at                                       AS to_at,
    h.start_reason                                AS start_reason,
    h.end_reason                                  AS end_reason,
    h.assigned_by                                 AS assigned_by,
    h.removed_by                                  AS removed_by,
    h.job_id                                      AS job_id
FROM assignment_interval h
JOIN subscriber s ON s.id = h.subscriber_id
JOIN sku k ON k.id = h.sku_ref
JOIN customer c ON c.id = k.customer_id
LEFT JOIN catalog_sku cs ON cs.sku_id = k.sku_id;

DROP VIEW IF EXISTS jobs;
CREATE VIEW jobs AS
SELECT
    j.id           AS job_id,
    c.name         AS customer,
    j.kind         AS kind,
    j.parameters   AS parameters,
    j.actor        AS actor,
    j.created_at   AS created_at,
    j.started_at   AS started_at,
    j.finished_at  AS finished_at,
    j.status       AS status,
    j.rerun_of     AS rerun_of,
    (SELECT count(*) FROM job_item i WHERE i.job_id = j.id AND i.outcome = 'ok')      AS ok,
    (SELECT count(*) FROM job_item i WHERE i.job_id = j.id AND i.outcome = 'skipped') AS skipped,
    (SELECT count(*) FROM job_item i WHERE i.job_id = j.id AND i.outcome = 'error')   AS failed
FROM job j
LEFT JOIN customer c ON c.id = j.customer_id;

DROP VIEW IF EXISTS job_items;
CREATE VIEW job_items AS
SELECT
    i.job_id   AS job_id,
    i.item     AS item,
    i.subject  AS user_principal_name,
    i.outcome  AS outcome,
    i.code     AS code,
    i.message  AS message
FROM job_item i;

DROP VIEW IF EXISTS numbers;
CREATE VIEW numbers AS
SELECT
    c.name                 AS customer,
    p.number               AS number,
    p.status               AS status,
    s.user_principal_name  AS user_principal_name,
    p.assigned_name        AS assigned_name,
    p.updated_at           AS updated_at
FROM phone_number p
JOIN customer c ON c.id = p.customer_id
LEFT JOIN subscriber s ON s.id = p.subscriber_id;

-- What expires: temporary licenses (kind 'license', at = expires_at) and SKU terms
-- (kind 'sku_term', at = term_end). Filter with e.g. WHERE at <= date('now', '+30 days').
DROP VIEW IF EXISTS expiring;
CREATE VIEW expiring AS
SELECT
    'license'                                     AS kind,
    c.name                                        AS customer,
    s.user_principal_name                         AS user_principal_name,
    k.sku_id                                      AS sku_id,
    coalesce(cs.display_name, k.sku_part_number)  AS display_name,
    a.expires_at                                  AS at
FROM assignment a
JOIN subscriber s ON s.id = a.subscriber_id
JOIN sku k ON k.id = a.sku_ref
JOIN customer c ON c.id = k.customer_id
LEFT JOIN catalog_sku cs ON cs.sku_id = k.sku_id
WHERE a.expires_at IS NOT NULL
UNION ALL
SELECT
    'sku_term', c.name, NULL, k.sku_id, coalesce(cs.display_name, k.sku_part_number), k.term_end
FROM sku k
JOIN customer c ON c.id = k.customer_id
LEFT JOIN catalog_sku cs ON cs.sku_id = k.sku_id
WHERE k.term_end IS NOT NULL;
