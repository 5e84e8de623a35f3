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

DROP VIEW IF EXISTS groups;
CREATE VIEW groups AS
SELECT
    c.name        AS customer,
    g.name        AS name,
    (SELECT count(*) FROM group_member m WHERE m.group_id = g.id) AS members,
    g.created_at  AS created_at
FROM user_group g
JOIN customer c ON c.id = g.customer_id;

DROP VIEW IF EXISTS group_members;
CREATE VIEW group_members AS
SELECT
    c.name                 AS customer,
    g.name                 AS "group",
    s.user_principal_name  AS user_principal_name,
    s.display_name         AS display_name
FROM group_member m
JOIN user_group g ON g.id = m.group_id
JOIN customer c ON c.id = g.customer_id
JOIN subscriber s ON s.id = m.subscriber_id;

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

-- Rules between SKUs (global, by SKU GUID): requires (sku needs other_sku as a base), excludes
-- (sku and other_sku cannot be held together), blocked_in (sku cannot be assigned in country).
DROP VIEW IF EXISTS sku_rules;
CREATE VIEW sku_rules AS
SELECT
    r.kind                                        AS kind,
    r.sku_id                                      AS sku_id,
    cs.part_number                                AS sku_part_number,
    coalesce(cs.display_name, r.sku_id)           AS sku_display_name,
    r.other_sku_id                                AS other_sku_id,
    co.part_number                                AS other_sku_part_number,
    CASE WHEN r.other_sku_id IS NOT NULL
         THEN coalesce(co.display_name, r.other_sku_id) END AS other_sku_display_name,
    r.country                                     AS country,
    r.created_at                                  AS created_at
FROM sku_rule r
LEFT JOIN catalog_sku cs ON cs.sku_id = r.sku_id
LEFT JOIN catalog_sku co ON co.sku_id = r.other_sku_id;

-- Volume licensing (docs/volume.md, section "Views"). "Now" is the store's clock, which licstore's
-- query channel provides as licstore_now() (query.rs); views that use it, and the computed
-- license_summary table (volume/summary.rs), exist only on that channel, not in a plain sqlite3 shell.

DROP VIEW IF EXISTS licensing_ids;
CREATE VIEW licensing_ids AS
SELECT
    l.number         AS number,
    c.name           AS customer,
    l.program        AS program,
    l.parent_program AS parent_program,
    l.mbsa           AS mbsa,
    l.partner        AS partner,
    l.start_date     AS start_date,
    l.end_date       AS end_date,
    CASE WHEN (l.start_date IS NULL OR l.start_date <= t.today)
          AND (l.end_date IS NULL OR t.today <= l.end_date) THEN 1 ELSE 0 END AS active
FROM licensing_id l
JOIN customer c ON c.id = l.customer_id
CROSS JOIN (SELECT substr(licstore_now(), 1, 10) AS today) t;

DROP VIEW IF EXISTS products;
CREATE VIEW products AS
SELECT p.family AS family, p.version AS version, p.pool AS pool
FROM product p;

DROP VIEW IF EXISTS entitlements;
CREATE VIEW entitlements AS
SELECT
    e.id          AS id,
    l.number      AS licensing_id,
    c.name        AS customer,
    p.family      AS family,
    p.version     AS version,
    p.pool        AS pool,
    e.quantity    AS quantity,
    e.kind        AS kind,
    e.from_family AS from_family,
    e.order_date  AS order_date,
    e.sa_end      AS sa_end,
    e.granted_by  AS granted_by,
    CASE WHEN e.kind = 'grant' THEN '*' ELSE '' END AS grant_mark
FROM entitlement e
JOIN licensing_id l ON l.id = e.licensing_id_id
JOIN customer c ON c.id = l.customer_id
JOIN product p ON p.id = e.product_id;

-- license_summary is not a view: it is computed on the query channel (volume/summary.rs).
DROP VIEW IF EXISTS license_summary;

DROP VIEW IF EXISTS product_keys;
CREATE VIEW product_keys AS
SELECT
    k.id                AS id,
    l.number            AS licensing_id,
    c.name              AS customer,
    k.product_name      AS product,
    p.family            AS family,
    p.version           AS version,
    k.type              AS type,
    '*****-*****-*****-*****-' || k.last5 AS key,
    k.last5             AS last5,
    k.activation_limit  AS activation_limit,
    k.baseline_used + k.recorded AS activations_used,
    k.activation_limit - k.baseline_used - k.recorded AS activations_available,
    k.baseline_used     AS baseline_used,
    k.host_limit        AS host_limit,
    CASE WHEN k.type = 'KMS'
         THEN (SELECT count(DISTINCT lower(a.machine)) FROM key_activation a WHERE a.key_id = k.id)
         ELSE 0 END     AS hosts_used
FROM product_key k
JOIN licensing_id l ON l.id = k.licensing_id_id
JOIN customer c ON c.id = l.customer_id
LEFT JOIN product p ON p.id = k.product_id;

DROP VIEW IF EXISTS key_activations;
CREATE VIEW key_activations AS
SELECT
    a.id            AS id,
    a.key_id        AS key_id,
    '*****-*****-*****-*****-' || k.last5 AS key,
    k.type          AS type,
    l.number        AS licensing_id,
    k.product_name  AS product,
    a.machine       AS machine,
    a.activated_at  AS activated_at,
    a.method        AS method,
    a.actor         AS actor
FROM key_activation a
JOIN product_key k ON k.id = a.key_id
JOIN licensing_id l ON l.id = k.licensing_id_id;

DROP VIEW IF EXISTS limit_increase_requests;
CREATE VIEW limit_increase_requests AS
SELECT
    r.id                    AS id,
    r.key_id                AS key_id,
    k.last5                 AS key_last5,
    l.number                AS licensing_id,
    k.product_name          AS product,
    k.type                  AS type,
    r.activations_requested AS activations_requested,
    r.justification         AS justification,
    r.status                AS status,
    r.requested_at          AS requested_at,
    r.requested_by          AS requested_by,
    r.decided_at            AS decided_at,
    r.decided_by            AS decided_by
FROM limit_increase_request r
JOIN product_key k ON k.id = r.key_id
JOIN licensing_id l ON l.id = k.licensing_id_id;

DROP VIEW IF EXISTS sa_benefits;
CREATE VIEW sa_benefits AS
SELECT
    b.id                 AS id,
    l.number             AS licensing_id,
    c.name               AS customer,
    b.benefit            AS benefit,
    b.eligible_quantity  AS eligible_quantity,
    b.remaining_quantity AS remaining_quantity,
    b.eligible_quantity - b.remaining_quantity AS used_quantity,
    b.status             AS status,
    b.updated_at         AS updated_at
FROM sa_benefit b
JOIN licensing_id l ON l.id = b.licensing_id_id
JOIN customer c ON c.id = l.customer_id;

DROP VIEW IF EXISTS reservations;
CREATE VIEW reservations AS
SELECT
    r.id            AS id,
    l.number        AS licensing_id,
    c.name          AS customer,
    r.service       AS service,
    r.sku           AS sku,
    r.quantity      AS quantity,
    r.usage_date    AS usage_date,
    r.submitted_at  AS submitted_at,
    r.submitted_by  AS submitted_by,
    -- Committed is derived, never stored: Submitted and 72 hours passed by the store's clock
    -- (the same rule as volume/benefits.rs).
    CASE WHEN r.status = 'Submitted' AND r.now >= r.until THEN 'Committed' ELSE r.status END AS status,
    r.until         AS cancellable_until,
    CASE WHEN r.status = 'Submitted' AND r.now >= r.until THEN r.until ELSE r.closed_at END AS closed_at
FROM (SELECT reservation.*,
             strftime('%Y-%m-%dT%H:%M:%SZ', submitted_at, '+72 hours') AS until,
             licstore_now() AS now
      FROM reservation) r
JOIN licensing_id l ON l.id = r.licensing_id_id
JOIN customer c ON c.id = l.customer_id;

-- Access (DOMAIN.md section 4, docs/access.md): principals, the roles they hold per licensing ID,
-- agreement contacts and permission requests.

DROP VIEW IF EXISTS principals;
CREATE VIEW principals AS
SELECT
    p.email       AS email,
    p.first_name  AS first_name,
    p.last_name   AS last_name,
    EXISTS (SELECT 1 FROM principal_role r WHERE r.principal_id = p.id AND r.revoked_at IS NULL) AS active,
    (SELECT count(DISTINCT r.licensing_id_id) FROM principal_role r
     WHERE r.principal_id = p.id AND r.revoked_at IS NULL) AS licensing_ids,
    p.created_at  AS created_at,
    p.updated_at  AS updated_at
FROM principal p;

DROP VIEW IF EXISTS permissions;
CREATE VIEW permissions AS
SELECT
    p.email       AS email,
    p.first_name  AS first_name,
    p.last_name   AS last_name,
    l.number      AS licensing_id,
    c.name        AS customer,
    r.role        AS role,
    r.granted_at  AS granted_at,
    r.granted_by  AS granted_by
FROM principal_role r
JOIN principal p ON p.id = r.principal_id
JOIN licensing_id l ON l.id = r.licensing_id_id
JOIN customer c ON c.id = l.customer_id
WHERE r.revoked_at IS NULL;

DROP VIEW IF EXISTS agreement_contacts;
CREATE VIEW agreement_contacts AS
SELECT
    l.number      AS licensing_id,
    c.name        AS customer,
    a.kind        AS kind,
    p.email       AS email,
    p.first_name  AS first_name,
    p.last_name   AS last_name,
    a.set_at      AS set_at,
    a.set_by      AS set_by
FROM agreement_contact a
JOIN principal p ON p.id = a.principal_id
JOIN licensing_id l ON l.id = a.licensing_id_id
JOIN customer c ON c.id = l.customer_id;

DROP VIEW IF EXISTS permission_requests;
CREATE VIEW permission_requests AS
SELECT
    q.id            AS id,
    p.email         AS email,
    p.first_name    AS first_name,
    p.last_name     AS last_name,
    l.number        AS licensing_id,
    c.name          AS customer,
    q.roles         AS roles,
    q.comment       AS comment,
    q.status        AS status,
    q.requested_at  AS requested_at,
    q.requested_by  AS requested_by,
    q.decided_at    AS decided_at,
    q.decided_by    AS decided_by,
    q.note          AS note
FROM permission_request q
JOIN principal p ON p.id = q.principal_id
JOIN licensing_id l ON l.id = q.licensing_id_id
JOIN customer c ON c.id = l.customer_id;
