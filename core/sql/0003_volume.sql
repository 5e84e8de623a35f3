-- licstore volume licensing (DOMAIN.md section 3): licensing IDs, products, entitlements, product
-- keys and their activations, limit-increase requests, Software Assurance benefits, reservations.
-- Base tables are private; the public contract is the views in views.sql (docs/volume.md).
-- Dates are 'YYYY-MM-DD'; instants ISO-8601 UTC text.

CREATE TABLE licensing_id (
    id              INTEGER PRIMARY KEY,
    number          TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(trim(number)) > 0),
    customer_id     INTEGER NOT NULL REFERENCES customer (id),
    program         TEXT NOT NULL CHECK (program IN ('Enterprise', 'EnterpriseSubscription', 'Select',
                        'SelectPlus', 'Open', 'OpenValue', 'OpenValueSubscription', 'Academic', 'Other')),
    parent_program  TEXT,
    mbsa            TEXT,
    partner         TEXT,
    start_date      TEXT,
    end_date        TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK (start_date IS NULL OR end_date IS NULL OR start_date <= end_date)
) STRICT;
CREATE INDEX licensing_id_customer ON licensing_id (customer_id);

CREATE TABLE product (
    id          INTEGER PRIMARY KEY,
    family      TEXT NOT NULL COLLATE NOCASE CHECK (length(trim(family)) > 0),
    version     TEXT NOT NULL COLLATE NOCASE CHECK (length(trim(version)) > 0),
    pool        TEXT NOT NULL CHECK (pool IN ('Applications', 'Systems', 'Servers')),
    created_at  TEXT NOT NULL,
    UNIQUE (family, version)
) STRICT;

CREATE TABLE entitlement (
    id              INTEGER PRIMARY KEY,
    licensing_id_id INTEGER NOT NULL REFERENCES licensing_id (id),
    product_id      INTEGER NOT NULL REFERENCES product (id),
    quantity        INTEGER NOT NULL CHECK (quantity > 0),
    kind            TEXT NOT NULL CHECK (kind IN ('full', 'license_and_sa', 'grant', 'upgrade', 'sa', 'step_up')),
    from_family     TEXT COLLATE NOCASE CHECK ((kind = 'step_up') = (from_family IS NOT NULL)),
    order_date      TEXT NOT NULL,
    sa_end          TEXT,
    -- Derived: the last day of SA coverage for kinds with coverage (sa_end, else the licensing
    -- ID's end date, else '9999-12-31'); NULL for kinds without. Kept by the library on insert
    -- and by the trigger below when a licensing ID's end date changes.
    coverage_end    TEXT CHECK ((kind IN ('license_and_sa', 'sa', 'step_up')) = (coverage_end IS NOT NULL)),
    granted_by      INTEGER REFERENCES entitlement (id),
    created_at      TEXT NOT NULL
) STRICT;
-- Covering index of the license summary: per licensing ID, rows arrive in GROUP BY order, so
-- SQLite aggregates them in one pass without sorting.
CREATE INDEX entitlement_summary ON entitlement
    (licensing_id_id, product_id, kind, from_family, order_date, coverage_end, quantity);
CREATE INDEX entitlement_product ON entitlement (product_id);
CREATE INDEX entitlement_granted_by ON entitlement (granted_by);

CREATE TRIGGER licensing_id_coverage_end AFTER UPDATE OF end_date ON licensing_id
BEGIN
    UPDATE entitlement SET coverage_end = COALESCE(sa_end, NEW.end_date, '9999-12-31')
    WHERE licensing_id_id = NEW.id AND coverage_end IS NOT NULL;
END;

CREATE TABLE product_key (
    id                  INTEGER PRIMARY KEY,
    licensing_id_id     INTEGER NOT NULL REFERENCES licensing_id (id),
    product_name        TEXT NOT NULL CHECK (length(trim(product_name)) > 0),
    -- The product whose name is "family version" (case-insensitive), when there is one.
    product_id          INTEGER REFERENCES product (id),
    key_value           TEXT NOT NULL UNIQUE CHECK (length(key_value) = 29),
    last5               TEXT NOT NULL CHECK (length(last5) = 5),
    type                TEXT NOT NULL CHECK (type IN ('MAK', 'KMS', 'VLK', 'Setup', 'OSA', 'Retail')),
    activation_limit    INTEGER CHECK (activation_limit IS NULL OR activation_limit >= 0),
    baseline_used       INTEGER NOT NULL DEFAULT 0 CHECK (baseline_used >= 0),
    recorded            INTEGER NOT NULL DEFAULT 0 CHECK (recorded >= 0),
    host_limit          INTEGER CHECK (host_limit IS NULL OR host_limit >= 0),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    CHECK ((type = 'MAK') = (activation_limit IS NOT NULL)),
    CHECK ((type = 'KMS') = (host_limit IS NOT NULL))
) STRICT;
CREATE INDEX product_key_licensing_id ON product_key (licensing_id_id);
CREATE INDEX product_key_product ON product_key (product_id);

CREATE TABLE key_activation (
    id            INTEGER PRIMARY KEY,
    key_id        INTEGER NOT NULL REFERENCES product_key (id),
    machine       TEXT NOT NULL CHECK (length(trim(machine)) > 0),
    activated_at  TEXT NOT NULL,
    method        TEXT NOT NULL CHECK (method IN ('Independent', 'Proxy')),
    actor         TEXT NOT NULL
) STRICT;
CREATE INDEX key_activation_key ON key_activation (key_id, machine);

-- Activations per key and UTC day: an aggregate of key_activation kept by the triggers below,
-- in the same statement as the activation rows, so no code path can forget it. The license
-- summary sums at most (keys x days) rows for "deployed up to a date" instead of counting every
-- activation. `product_key.recorded` (the key's count, for the limit checks) is kept the same way.
-- core/src/volume/keys.rs has a test that both equal a recount.
CREATE TABLE key_activation_daily (
    key_id  INTEGER NOT NULL REFERENCES product_key (id),
    day     TEXT NOT NULL,
    n       INTEGER NOT NULL CHECK (n > 0),
    PRIMARY KEY (key_id, day)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER key_activation_count_i AFTER INSERT ON key_activation
BEGIN
    INSERT INTO key_activation_daily (key_id, day, n) VALUES (NEW.key_id, substr(NEW.activated_at, 1, 10), 1)
        ON CONFLICT (key_id, day) DO UPDATE SET n = n + 1;
    UPDATE product_key SET recorded = recorded + 1 WHERE id = NEW.key_id;
END;

CREATE TRIGGER key_activation_count_d AFTER DELETE ON key_activation
BEGIN
    DELETE FROM key_activation_daily
        WHERE key_id = OLD.key_id AND day = substr(OLD.activated_at, 1, 10) AND n = 1;
    UPDATE key_activation_daily SET n = n - 1
        WHERE key_id = OLD.key_id AND day = substr(OLD.activated_at, 1, 10) AND n > 1;
    UPDATE product_key SET recorded = recorded - 1 WHERE id = OLD.key_id;
END;

CREATE TRIGGER key_activation_count_u AFTER UPDATE OF key_id, activated_at ON key_activation
BEGIN
    DELETE FROM key_activation_daily
        WHERE key_id = OLD.key_id AND day = substr(OLD.activated_at, 1, 10) AND n = 1;
    UPDATE key_activation_daily SET n = n - 1
        WHERE key_id = OLD.key_id AND day = substr(OLD.activated_at, 1, 10) AND n > 1;
    UPDATE product_key SET recorded = recorded - 1 WHERE id = OLD.key_id;
    INSERT INTO key_activation_daily (key_id, day, n) VALUES (NEW.key_id, substr(NEW.activated_at, 1, 10), 1)
        ON CONFLICT (key_id, day) DO UPDATE SET n = n + 1;
    UPDATE product_key SET recorded = recorded + 1 WHERE id = NEW.key_id;
END;

CREATE TABLE limit_increase_request (
    id                      INTEGER PRIMARY KEY,
    key_id                  INTEGER NOT NULL REFERENCES product_key (id),
    activations_requested   INTEGER NOT NULL CHECK (activations_requested > 0),
    justification           TEXT NOT NULL CHECK (length(trim(justification)) > 0),
    status                  TEXT NOT NULL CHECK (status IN ('Pending', 'Granted', 'Denied')),
    requested_at            TEXT NOT NULL,
    requested_by            TEXT NOT NULL,
    decided_at              TEXT,
    decided_by              TEXT
) STRICT;
CREATE INDEX limit_increase_request_key ON limit_increase_request (key_id);

CREATE TABLE sa_benefit (
    id                  INTEGER PRIMARY KEY,
    licensing_id_id     INTEGER NOT NULL REFERENCES licensing_id (id),
    benefit             TEXT NOT NULL COLLATE NOCASE CHECK (length(trim(benefit)) > 0),
    eligible_quantity   INTEGER NOT NULL CHECK (eligible_quantity >= 0),
    remaining_quantity  INTEGER NOT NULL CHECK (remaining_quantity >= 0 AND remaining_quantity <= eligible_quantity),
    status              TEXT NOT NULL CHECK (status IN ('RequiresActivation', 'Activated', 'HoldAwaitingReactivation', 'Expired')),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (licensing_id_id, benefit)
) STRICT;

CREATE TABLE reservation (
    id              INTEGER PRIMARY KEY,
    licensing_id_id INTEGER NOT NULL REFERENCES licensing_id (id),
    service         TEXT NOT NULL CHECK (length(trim(service)) > 0),
    sku             TEXT NOT NULL CHECK (length(trim(sku)) > 0),
    quantity        INTEGER NOT NULL CHECK (quantity > 0),
    usage_date      TEXT NOT NULL,
    submitted_at    TEXT NOT NULL,
    submitted_by    TEXT NOT NULL,
    -- Submitted until cancelled (within 72 hours). "Committed" is never stored: a Submitted
    -- reservation is committed once 72 hours have passed, which readers derive from the clock
    -- (the reservations view and volume/benefits.rs, docs/volume.md "Reservations").
    status          TEXT NOT NULL CHECK (status IN ('Submitted', 'Cancelled')),
    -- When it was cancelled.
    closed_at       TEXT
) STRICT;
CREATE INDEX reservation_licensing_id ON reservation (licensing_id_id);
