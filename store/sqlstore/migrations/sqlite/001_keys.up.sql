-- keyauth schema for SQLite, version 1.
-- Applied by sqlstore.Store.Migrate; also usable as is with goose (see its
-- annotation) and golang-migrate.

-- Migrate's test of whether this version is applied (see schema.go):
-- keyauth:probe SELECT id FROM keyauth_feed WHERE id = 1 AND NOT EXISTS (SELECT id, org_id, name, prefix, permission, hash, created_at, expires_at, last_used_at, revoked_at FROM keyauth_keys WHERE 1 = 0) AND NOT EXISTS (SELECT seq, key_id, revoked_at, expires_at, changed_at FROM keyauth_changes WHERE 1 = 0)

-- +goose Up

-- Times are INTEGER microseconds since the Unix epoch, UTC: exact, compact,
-- and ordered like the instants they stand for. Text compares byte-wise
-- (BINARY), as Go compares strings.
CREATE TABLE keyauth_keys (
    id           TEXT    NOT NULL PRIMARY KEY,
    org_id       TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    prefix       TEXT    NOT NULL,
    permission   TEXT    NOT NULL,
    hash         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NULL,
    last_used_at INTEGER NULL,
    revoked_at   INTEGER NULL
);

CREATE INDEX keyauth_keys_org_created ON keyauth_keys (org_id, created_at, id);

-- The change feed: one row per revocation or expiry change, with the key's
-- state after it. SQLite has one writer at a time, so seq never becomes
-- visible out of order here; AUTOINCREMENT keeps seq from being reused
-- after the newest rows are pruned.
CREATE TABLE keyauth_changes (
    seq        INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    key_id     TEXT    NOT NULL,
    revoked_at INTEGER NULL,
    expires_at INTEGER NULL,
    changed_at INTEGER NOT NULL
);

CREATE INDEX keyauth_changes_changed ON keyauth_changes (changed_at);

-- One row: every change with seq <= pruned_through may have been deleted.
CREATE TABLE keyauth_feed (
    id             INTEGER NOT NULL PRIMARY KEY,
    pruned_through INTEGER NOT NULL
);

INSERT INTO keyauth_feed (id, pruned_through) VALUES (1, 0);
