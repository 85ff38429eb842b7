-- keyauth schema for MySQL 8 and MariaDB 10.6+, version 1.
-- Applied by sqlstore.Store.Migrate; also usable as is with goose (see its
-- annotation) and golang-migrate.
-- Connections need parseTime=true (and loc=UTC, the default).

-- Migrate's test of whether this version is applied (see schema.go):
-- keyauth:probe SELECT id FROM keyauth_feed WHERE id = 1 AND NOT EXISTS (SELECT id, org_id, name, prefix, permission, hash, created_at, expires_at, last_used_at, revoked_at FROM keyauth_keys WHERE 1 = 0) AND NOT EXISTS (SELECT seq, key_id, revoked_at, expires_at, changed_at FROM keyauth_changes WHERE 1 = 0)

-- +goose Up

-- utf8mb4_bin: ids are case-sensitive base62, and the Store orders by
-- (created_at, id) byte-wise, as Go compares strings. Indexes are declared
-- inside CREATE TABLE so that the statement is all-or-nothing (MySQL DDL
-- is not transactional).
CREATE TABLE IF NOT EXISTS keyauth_keys (
    id           VARCHAR(64)  NOT NULL,
    org_id       VARCHAR(64)  NOT NULL,
    name         VARCHAR(400) NOT NULL,
    prefix       VARCHAR(80)  NOT NULL,
    permission   VARCHAR(8)   NOT NULL,
    hash         VARCHAR(255) NOT NULL,
    created_at   DATETIME(6)  NOT NULL,
    expires_at   DATETIME(6)  NULL,
    last_used_at DATETIME(6)  NULL,
    revoked_at   DATETIME(6)  NULL,
    PRIMARY KEY (id),
    KEY keyauth_keys_org_created (org_id, created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The change feed: one row per revocation or expiry change, with the key's
-- state after it. seq is assigned at insert, so rows can become visible out
-- of seq order; the Store's cursor tracks the gaps (see feed.go).
CREATE TABLE IF NOT EXISTS keyauth_changes (
    seq        BIGINT      NOT NULL AUTO_INCREMENT,
    key_id     VARCHAR(64) NOT NULL,
    revoked_at DATETIME(6) NULL,
    expires_at DATETIME(6) NULL,
    changed_at DATETIME(6) NOT NULL,
    PRIMARY KEY (seq),
    KEY keyauth_changes_changed (changed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row: every change with seq <= pruned_through may have been deleted.
CREATE TABLE IF NOT EXISTS keyauth_feed (
    id             INT    NOT NULL,
    pruned_through BIGINT NOT NULL,
    PRIMARY KEY (id)
) ENGINE=InnoDB;

INSERT IGNORE INTO keyauth_feed (id, pruned_through) VALUES (1, 0);
