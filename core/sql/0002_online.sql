-- licstore schema version 2: online services (per-user licensing), DOMAIN.md section 2.
-- Base tables are private (singular names); the public contract is the views in views.sql.
-- `assigned` is never stored: it is always counted from `assignment` rows.

-- The Microsoft product/service-plan catalog. Filled lazily from the built-in CSV on first use
-- (opening a store stays fast) and replaced by `import_catalog`.
CREATE TABLE catalog_sku (
    sku_id          TEXT PRIMARY KEY,            -- GUID, lower case (Graph skuId)
    part_number     TEXT NOT NULL,               -- String_Id (Graph skuPartNumber); not unique (MCOPSTN5)
    display_name    TEXT NOT NULL                -- the friendly name shown everywhere
) STRICT, WITHOUT ROWID;
CREATE INDEX catalog_sku_part ON catalog_sku (part_number COLLATE NOCASE);

-- Every display name a SKU is known by (the primary one and its aliases), for name resolution.
CREATE TABLE catalog_name (
    display_name    TEXT NOT NULL COLLATE NOCASE,
    sku_id          TEXT NOT NULL REFERENCES catalog_sku (sku_id) ON DELETE CASCADE,
    PRIMARY KEY (display_name, sku_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE catalog_plan (
    sku_id              TEXT NOT NULL REFERENCES catalog_sku (sku_id) ON DELETE CASCADE,
    plan_id             TEXT NOT NULL,           -- Service_Plan_Id (GUID)
    plan_name           TEXT NOT NULL,           -- Service_Plan_Name (e.g. MCOEV)
    plan_display_name   TEXT NOT NULL,
    PRIMARY KEY (sku_id, plan_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE catalog_info (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    source      TEXT NOT NULL,                   -- 'built-in' or the imported file's name
    skus        INTEGER NOT NULL,
    plans       INTEGER NOT NULL,
    loaded_at   TEXT NOT NULL
) STRICT;

-- A SKU a customer subscribes to (Graph subscribedSku).
CREATE TABLE sku (
    id                  INTEGER PRIMARY KEY,
    customer_id         INTEGER NOT NULL REFERENCES customer (id),
    sku_id              TEXT NOT NULL,
    sku_part_number     TEXT NOT NULL,
    enabled             INTEGER NOT NULL DEFAULT 0 CHECK (enabled >= 0),
    warning             INTEGER NOT NULL DEFAULT 0 CHECK (warning >= 0),
    suspended           INTEGER NOT NULL DEFAULT 0 CHECK (suspended >= 0),
    locked_out          INTEGER NOT NULL DEFAULT 0 CHECK (locked_out >= 0),
    capability_status   TEXT NOT NULL DEFAULT 'Enabled'
                        CHECK (capability_status IN ('Enabled', 'Warning', 'Suspended', 'Deleted', 'LockedOut')),
    applies_to          TEXT NOT NULL DEFAULT 'User' CHECK (applies_to IN ('User', 'Company')),
    term_end            TEXT,
    reported_consumed   INTEGER CHECK (reported_consumed IS NULL OR reported_consumed >= 0),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (customer_id, sku_id)
) STRICT;

-- A user. The UPN is unique in the whole store, without regard to case (as in Entra, where a
-- UPN's domain belongs to one tenant).
CREATE TABLE subscriber (
    id                  INTEGER PRIMARY KEY,
    customer_id         INTEGER NOT NULL REFERENCES customer (id),
    user_principal_name TEXT NOT NULL COLLATE NOCASE UNIQUE,
    display_name        TEXT,
    usage_location      TEXT CHECK (usage_location IS NULL OR length(usage_location) = 2),
    department          TEXT,
    object_id           TEXT,
    status              TEXT NOT NULL DEFAULT 'Active' CHECK (status IN ('Staged', 'Active', 'Offboarded')),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
) STRICT;
CREATE INDEX subscriber_customer ON subscriber (customer_id, status);

CREATE TABLE user_group (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customer (id),
    name        TEXT NOT NULL COLLATE NOCASE,
    created_at  TEXT NOT NULL,
    UNIQUE (customer_id, name)
) STRICT;

CREATE TABLE group_member (
    group_id        INTEGER NOT NULL REFERENCES user_group (id) ON DELETE CASCADE,
    subscriber_id   INTEGER NOT NULL REFERENCES subscriber (id),
    PRIMARY KEY (group_id, subscriber_id)
) STRICT, WITHOUT ROWID;

-- One held license. `disabled_plans` is a JSON array of service plan GUIDs. Keyed by the pair
-- (WITHOUT ROWID: one B-tree fewer per assignment, which bulk jobs of 100,000 users feel).
CREATE TABLE assignment (
    subscriber_id   INTEGER NOT NULL REFERENCES subscriber (id),
    sku_ref         INTEGER NOT NULL REFERENCES sku (id),
    assigned_at     TEXT NOT NULL,
    expires_at      TEXT,
    disabled_plans  TEXT NOT NULL DEFAULT '[]',
    source          TEXT NOT NULL DEFAULT 'direct',
    assigned_by     TEXT NOT NULL,
    job_id          INTEGER,
    PRIMARY KEY (subscriber_id, sku_ref)
) STRICT, WITHOUT ROWID;
CREATE INDEX assignment_sku ON assignment (sku_ref);
CREATE INDEX assignment_expiry ON assignment (expires_at) WHERE expires_at IS NOT NULL;

-- Every interval a user held a SKU: [from_at, to_at); to_at NULL while held.
CREATE TABLE assignment_interval (
    id              INTEGER PRIMARY KEY,
    subscriber_id   INTEGER NOT NULL REFERENCES subscriber (id),
    sku_ref         INTEGER NOT NULL REFERENCES sku (id),
    from_at         TEXT NOT NULL,
    to_at           TEXT,
    start_reason    TEXT NOT NULL,
    end_reason      TEXT,
    assigned_by     TEXT NOT NULL,
    removed_by      TEXT,
    job_id          INTEGER
) STRICT;
-- One index serves both closing a user's open interval and "who held SKU k on date D".
CREATE INDEX assignment_interval_sku ON assignment_interval (sku_ref, subscriber_id);

-- Rules between SKUs (by SKU GUID, valid for every customer):
--   requires:   sku_id needs one of the rows' other_sku_id (alternatives);
--   excludes:   sku_id and other_sku_id cannot be held together (symmetric);
--   blocked_in: sku_id cannot be assigned where usage_location = country.
CREATE TABLE sku_rule (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('requires', 'excludes', 'blocked_in')),
    sku_id          TEXT NOT NULL,
    other_sku_id    TEXT,
    country         TEXT,
    created_at      TEXT NOT NULL,
    CHECK ((kind = 'blocked_in') = (country IS NOT NULL AND other_sku_id IS NULL)),
    UNIQUE (kind, sku_id, other_sku_id, country)
) STRICT;

CREATE TABLE job (
    id              INTEGER PRIMARY KEY,
    customer_id     INTEGER REFERENCES customer (id),
    kind            TEXT NOT NULL,
    parameters      TEXT NOT NULL,               -- JSON
    actor           TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    started_at      TEXT,
    finished_at     TEXT,
    status          TEXT NOT NULL CHECK (status IN ('Pending', 'Running', 'Finished', 'FinishedWithException', 'Failed')),
    rerun_of        INTEGER REFERENCES job (id)
) STRICT;

CREATE TABLE job_item (
    job_id          INTEGER NOT NULL REFERENCES job (id),
    item            INTEGER NOT NULL,            -- 1-based, in run order
    subject         TEXT NOT NULL,               -- the user principal name as given
    outcome         TEXT NOT NULL CHECK (outcome IN ('ok', 'skipped', 'error')),
    code            TEXT,                        -- ErrorCode name, or AlreadyAssigned / NotAssigned
    message         TEXT,
    PRIMARY KEY (job_id, item)
) STRICT, WITHOUT ROWID;

CREATE TABLE phone_number (
    id              INTEGER PRIMARY KEY,
    customer_id     INTEGER NOT NULL REFERENCES customer (id),
    number          TEXT NOT NULL UNIQUE,        -- E.164
    status          TEXT NOT NULL DEFAULT 'Available' CHECK (status IN ('Available', 'Assigned', 'Reserved')),
    subscriber_id   INTEGER REFERENCES subscriber (id),
    assigned_name   TEXT,
    updated_at      TEXT NOT NULL
) STRICT;
CREATE INDEX phone_number_free ON phone_number (customer_id, status, number);

-- "Users matching filter F get SKUs S" (filter and SKUs as JSON).
CREATE TABLE profile (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customer (id),
    name        TEXT NOT NULL COLLATE NOCASE,
    filter      TEXT NOT NULL,
    skus        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (customer_id, name)
) STRICT;
