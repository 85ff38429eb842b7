-- keyauth schema for PostgreSQL, version 3: the audit trail, who created
-- each key, and when a key was rotated.
-- Applied by sqlstore.Store.Migrate; also usable as is with goose (see its
-- annotation) and golang-migrate.

-- Migrate's test of whether this version is applied (see schema.go):
-- keyauth:probe SELECT id FROM keyauth_feed WHERE id = 1 AND NOT EXISTS (SELECT rotated_at, created_by_id, created_by_name FROM keyauth_keys WHERE 1 = 0) AND NOT EXISTS (SELECT rotated_at FROM keyauth_changes WHERE 1 = 0) AND NOT EXISTS (SELECT id, org_id, key_id, action, at, actor_id, actor_name, client_addr, new_key_id FROM keyauth_events WHERE 1 = 0)

-- +goose Up

-- rotated_at: when Rotate replaced the key (NULL: never); a rotated key
-- cannot be rotated again. created_by_*: the actor that created it (NULL:
-- unknown, as for every row written before this version).
ALTER TABLE keyauth_keys ADD COLUMN IF NOT EXISTS rotated_at TIMESTAMPTZ NULL;
ALTER TABLE keyauth_keys ADD COLUMN IF NOT EXISTS created_by_id VARCHAR(200) NULL;
ALTER TABLE keyauth_keys ADD COLUMN IF NOT EXISTS created_by_name VARCHAR(200) NULL;
ALTER TABLE keyauth_changes ADD COLUMN IF NOT EXISTS rotated_at TIMESTAMPTZ NULL;

-- The audit trail: one row per create, rotate and revoke, written in the
-- transaction of the change. Rows are never updated or deleted by keyauth.
CREATE TABLE IF NOT EXISTS keyauth_events (
    id          BIGSERIAL    NOT NULL PRIMARY KEY,
    org_id      VARCHAR(64)  COLLATE "C" NOT NULL,
    key_id      VARCHAR(64)  COLLATE "C" NOT NULL,
    action      VARCHAR(32)  NOT NULL,
    at          TIMESTAMPTZ  NOT NULL,
    actor_id    VARCHAR(200) NOT NULL,
    actor_name  VARCHAR(200) NOT NULL,
    client_addr VARCHAR(100) NOT NULL,
    new_key_id  VARCHAR(64)  COLLATE "C" NOT NULL
);

CREATE INDEX IF NOT EXISTS keyauth_events_org ON keyauth_events (org_id, id);
