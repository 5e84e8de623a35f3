-- licstore schema version 1: customers and the audit log.
-- Base tables are private (singular names); the public contract is the views in views.sql.
-- Timestamps are ISO-8601 UTC text ('2024-05-06T07:08:09Z') so SQLite's date functions read them.

CREATE TABLE customer (
    id                      INTEGER PRIMARY KEY,
    name                    TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(trim(name)) > 0),
    tenant_domain           TEXT COLLATE NOCASE UNIQUE,
    default_usage_location  TEXT CHECK (default_usage_location IS NULL OR length(default_usage_location) = 2),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
) STRICT;

-- Append-only: every change (actor, time, action, entity, before/after as JSON).
CREATE TABLE audit_event (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_key  TEXT NOT NULL,
    before      TEXT,
    after       TEXT
) STRICT;
CREATE INDEX audit_event_entity ON audit_event (entity, entity_key);

CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed');
END;
CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is not allowed');
END;
