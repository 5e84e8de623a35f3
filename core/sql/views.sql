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

-- Volume licensing (docs/volume.md, section "Views"). "Today" is the date of the last refresh by
-- the library's clock (volume_state.as_of), which every query through the SQL channel brings up to date.

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
CROSS JOIN (SELECT COALESCE(as_of, date('now')) AS today FROM volume_state) t;

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

DROP VIEW IF EXISTS license_summary;
CREATE VIEW license_summary AS
SELECT
    c.name                  AS customer,
    p.family                AS family,
    p.version               AS version,
    p.pool                  AS pool,
    s.effective_quantity    AS effective_quantity,
    s.active_sa_quantity    AS active_sa_quantity,
    s.unresolved_quantity   AS unresolved_quantity,
    s.granted_quantity      AS granted_quantity,
    CASE WHEN s.granted_quantity > 0 THEN '*' ELSE '' END AS grant_mark,
    s.deployed_quantity     AS deployed_quantity,
    s.effective_quantity - s.deployed_quantity AS balance,
    max(s.deployed_quantity - s.effective_quantity, 0) AS shortfall,
    max(s.effective_quantity - s.deployed_quantity, 0) AS surplus,
    v.as_of                 AS as_of
FROM license_summary_row s
JOIN customer c ON c.id = s.customer_id
JOIN product p ON p.id = s.product_id
CROSS JOIN volume_state v;

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
    r.status        AS status,
    strftime('%Y-%m-%dT%H:%M:%SZ', r.submitted_at, '+72 hours') AS cancellable_until,
    r.closed_at     AS closed_at
FROM reservation r
JOIN licensing_id l ON l.id = r.licensing_id_id
JOIN customer c ON c.id = l.customer_id;
