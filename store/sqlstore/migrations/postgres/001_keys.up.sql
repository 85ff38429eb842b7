-- keyauth schema for PostgreSQL, version 1.
-- Applied by sqlstore.Store.Migrate; also usable as is with goose (see its
-- annotation) and golang-migrate.

-- Migrate's test of whether this version is applied (see schema.go):
-- keyauth:probe SELECT id FROM keyauth_feed WHERE id = 1 AND NOT EXISTS (SELECT id, org_id, name, prefix, permission, hash, created_at, expires_at, last_used_at, revoked_at FROM keyauth_keys WHERE 1 = 0) AND NOT EXISTS (SELECT seq, key_id, revoked_at, expires_at, changed_at FROM keyauth_changes WHERE 1 = 0)

-- +goose Up

-- Ids and org ids use the "C" collation: the Store orders by (created_at, id)
-- byte-wise, as Go compares strings, whatever the database's locale.
CREATE TABLE keyauth_keys (
    id           VARCHAR(64)  COLLATE "C" NOT NULL PRIMARY KEY,
    org_id       VARCHAR(64)  COLLATE "C" NOT NULL,
    name         VARCHAR(400) NOT NULL,
    prefix       VARCHAR(80)  NOT NULL,
    permission   VARCHAR(8)   NOT NULL,
    hash         VARCHAR(255) NOT NULL,
    created_at   TIMESTAMPTZ  NOT NULL,
    expires_at   TIMESTAMPTZ  NULL,
    last_used_at TIMESTAMPTZ  NULL,
    revoked_at   TIMESTAMPTZ  NULL
);

CREATE INDEX keyauth_keys_org_created ON keyauth_keys (org_id, created_at, id);

-- The change feed: one row per revocation or expiry change, with the key's
-- state after it. seq is assigned at insert, so rows can become visible out
-- of seq order; the Store's cursor tracks the gaps (see feed.go).
CREATE TABLE keyauth_changes (
    seq        BIGSERIAL   NOT NULL PRIMARY KEY,
    key_id     VARCHAR(64) COLLATE "C" NOT NULL,
    revoked_at TIMESTAMPTZ NULL,
    expires_at TIMESTAMPTZ NULL,
    changed_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX keyauth_changes_changed ON keyauth_changes (changed_at);

-- One row: every change with seq <= pruned_through may have been deleted.
CREATE TABLE keyauth_feed (
    id             INTEGER NOT NULL PRIMARY KEY,
    pruned_through BIGINT  NOT NULL
);

INSERT INTO keyauth_feed (id, pruned_through) VALUES (1, 0);
