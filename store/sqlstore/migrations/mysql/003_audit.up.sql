-- keyauth schema for MySQL 8 and MariaDB 10.6+, version 3: the audit
-- trail, who created each key, and when a key was rotated.
-- Applied by sqlstore.Store.Migrate; also usable as is with goose (see its
-- annotation) and golang-migrate.
-- Run the statements on one connection: they share session variables.

-- Migrate's test of whether this version is applied (see schema.go):
-- keyauth:probe SELECT id FROM keyauth_feed WHERE id = 1 AND NOT EXISTS (SELECT rotated_at, created_by_id, created_by_name FROM keyauth_keys WHERE 1 = 0) AND NOT EXISTS (SELECT rotated_at FROM keyauth_changes WHERE 1 = 0) AND NOT EXISTS (SELECT id, org_id, key_id, action, at, actor_id, actor_name, client_addr, new_key_id FROM keyauth_events WHERE 1 = 0)

-- +goose Up

-- rotated_at: when Rotate replaced the key (NULL: never); a rotated key
-- cannot be rotated again. created_by_*: the actor that created it (NULL:
-- unknown, as for every row written before this version).
--
-- MySQL DDL is not transactional and MySQL 8 has no ADD COLUMN IF NOT
-- EXISTS, so each ALTER runs only when information_schema lacks its
-- column, and the table is created IF NOT EXISTS: the file can be run
-- again after a failure half way. One ALTER adds the three columns of
-- keyauth_keys, all or none.
SET @keyauth_003k = (SELECT IF(COUNT(*) = 0, 'ALTER TABLE keyauth_keys ADD COLUMN rotated_at DATETIME(6) NULL, ADD COLUMN created_by_id VARCHAR(200) NULL, ADD COLUMN created_by_name VARCHAR(200) NULL', 'DO 0')
    FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'keyauth_keys' AND column_name = 'rotated_at');
PREPARE keyauth_003k FROM @keyauth_003k;
EXECUTE keyauth_003k;
DEALLOCATE PREPARE keyauth_003k;

SET @keyauth_003c = (SELECT IF(COUNT(*) = 0, 'ALTER TABLE keyauth_changes ADD COLUMN rotated_at DATETIME(6) NULL', 'DO 0')
    FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'keyauth_changes' AND column_name = 'rotated_at');
PREPARE keyauth_003c FROM @keyauth_003c;
EXECUTE keyauth_003c;
DEALLOCATE PREPARE keyauth_003c;

-- The audit trail: one row per create, rotate and revoke, written in the
-- transaction of the change. Rows are never updated or deleted by keyauth.
CREATE TABLE IF NOT EXISTS keyauth_events (
    id          BIGINT       NOT NULL AUTO_INCREMENT,
    org_id      VARCHAR(64)  NOT NULL,
    key_id      VARCHAR(64)  NOT NULL,
    action      VARCHAR(32)  NOT NULL,
    at          DATETIME(6)  NOT NULL,
    actor_id    VARCHAR(200) NOT NULL,
    actor_name  VARCHAR(200) NOT NULL,
    client_addr VARCHAR(100) NOT NULL,
    new_key_id  VARCHAR(64)  NOT NULL,
    PRIMARY KEY (id),
    KEY keyauth_events_org (org_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
