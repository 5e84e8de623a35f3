-- licstore access (DOMAIN.md section 4, docs/access.md): principals, their roles per licensing
-- ID, agreement contacts and permission requests. Base tables are private; the public contract is
-- the views `principals`, `permissions` and `permission_requests` in views.sql (docs/sql.md).

CREATE TABLE principal (
    id          INTEGER PRIMARY KEY,
    -- The business e-mail: the principal's natural key (case-insensitive).
    email       TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(trim(email)) > 0),
    first_name  TEXT NOT NULL CHECK (length(trim(first_name)) > 0),
    last_name   TEXT NOT NULL CHECK (length(trim(last_name)) > 0),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

-- One row per principal, licensing ID and role ever granted. A revoked role keeps its row with
-- `revoked_at` set, so a principal whose roles were all removed is still listed under the
-- licensing IDs it had (the seed: "an audit function"); granting again clears `revoked_at`.
-- A principal is active while it holds at least one role (derived, never stored).
CREATE TABLE principal_role (
    principal_id    INTEGER NOT NULL REFERENCES principal (id),
    licensing_id_id INTEGER NOT NULL REFERENCES licensing_id (id),
    role            TEXT NOT NULL CHECK (role IN ('Administrator', 'LicensingInfoViewer', 'Download',
                        'ProductKeys', 'SoftwareAssuranceManager', 'OnlineServicesManager',
                        'SubscriptionsManager', 'ManageReservation')),
    granted_at      TEXT NOT NULL,
    granted_by      TEXT NOT NULL,
    revoked_at      TEXT,
    revoked_by      TEXT,
    PRIMARY KEY (principal_id, licensing_id_id, role),
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
) STRICT, WITHOUT ROWID;
-- Who holds what on a licensing ID (Administrator counts, the scoped views' filters).
CREATE INDEX principal_role_licensing_id ON principal_role (licensing_id_id, role, principal_id);

-- The agreement's Primary Contact and Notices Correspondent: Administrators by default.
CREATE TABLE agreement_contact (
    licensing_id_id INTEGER NOT NULL REFERENCES licensing_id (id),
    kind            TEXT NOT NULL CHECK (kind IN ('PrimaryContact', 'NoticesCorrespondent')),
    principal_id    INTEGER NOT NULL REFERENCES principal (id),
    set_at          TEXT NOT NULL,
    set_by          TEXT NOT NULL,
    PRIMARY KEY (licensing_id_id, kind)
) STRICT;
CREATE INDEX agreement_contact_principal ON agreement_contact (principal_id);

CREATE TABLE permission_request (
    id              INTEGER PRIMARY KEY,
    principal_id    INTEGER NOT NULL REFERENCES principal (id),
    licensing_id_id INTEGER NOT NULL REFERENCES licensing_id (id),
    -- The roles asked for: a JSON array of role names, e.g. ["ProductKeys","Download"].
    roles           TEXT NOT NULL CHECK (json_valid(roles) AND json_type(roles) = 'array'),
    comment         TEXT,
    status          TEXT NOT NULL CHECK (status IN ('Pending', 'Accepted', 'Denied')),
    requested_at    TEXT NOT NULL,
    requested_by    TEXT NOT NULL,
    decided_at      TEXT,
    decided_by      TEXT,
    note            TEXT,
    CHECK ((status = 'Pending') = (decided_at IS NULL))
) STRICT;
CREATE INDEX permission_request_licensing_id ON permission_request (licensing_id_id, status);
CREATE INDEX permission_request_principal ON permission_request (principal_id);
