-- keyauth schema for SQLite, version 3: the audit trail, who created each
-- key, and when a key was rotated.
-- Applied by sqlstore.Store.Migrate; also usable as is with goose (see its
-- annotation) and golang-migrate.

-- Migrate's test of whether this version is applied (see schema.go):
-- keyauth:probe SELECT id FROM keyauth_feed WHERE id = 1 AND NOT EXISTS (SELECT rotated_at, created_by_id, created_by_name FROM keyauth_keys WHERE 1 = 0) AND NOT EXISTS (SELECT rotated_at FROM keyauth_changes WHERE 1 = 0) AND NOT EXISTS (SELECT id, org_id, key_id, action, at, actor_id, actor_name, client_addr, new_key_id FROM keyauth_events WHERE 1 = 0)

-- +goose Up

-- rotated_at: when Rotate replaced the key (NULL: never); a rotated key
-- cannot be rotated again. created_by_*: the actor that created it (NULL:
-- unknown, as for every row written before this version).
ALTER TABLE keyauth_keys ADD COLUMN rotated_at INTEGER NULL;
ALTER TABLE keyauth_keys ADD COLUMN created_by_id TEXT NULL;
ALTER TABLE keyauth_keys ADD COLUMN created_by_name TEXT NULL;
ALTER TABLE keyauth_changes ADD COLUMN rotated_at INTEGER NULL;

-- The audit trail: one row per create, rotate and revoke, written in the
-- transaction of the change. Rows are never updated or deleted by keyauth.
CREATE TABLE keyauth_events (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    org_id      TEXT    NOT NULL,
    key_id      TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    actor_id    TEXT    NOT NULL,
    actor_name  TEXT    NOT NULL,
    client_addr TEXT    NOT NULL,
    new_key_id  TEXT    NOT NULL
);

CREATE INDEX keyauth_events_org ON keyauth_events (org_id, id);
