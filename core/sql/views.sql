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
