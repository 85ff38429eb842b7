-- keyauth schema for MySQL 8 and MariaDB 10.6+, version 2: the check tag
-- of each key.
-- Applied by sqlstore.Store.Migrate; also usable as is with goose (see its
-- annotation) and golang-migrate.
-- Run the statements on one connection: they share a session variable.

-- Migrate's test of whether this version is applied (see schema.go):
-- keyauth:probe SELECT id FROM keyauth_feed WHERE id = 1 AND NOT EXISTS (SELECT tag FROM keyauth_keys WHERE 1 = 0)

-- +goose Up

-- A short check value of the whole key text (see apikey's tag.go), compared
-- before argon2id so that a wrong secret costs a SHA-256. NULL for rows
-- written before this version: the Service verifies those with argon2id
-- alone and writes their tag on their first successful verification.
--
-- MySQL DDL is not transactional and MySQL 8 has no ADD COLUMN IF NOT
-- EXISTS, so the column is added only when information_schema lacks it:
-- the file can be run again after a failure half way.
SET @keyauth_002 = (SELECT IF(COUNT(*) = 0, 'ALTER TABLE keyauth_keys ADD COLUMN tag VARCHAR(64) NULL', 'DO 0')
    FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'keyauth_keys' AND column_name = 'tag');
PREPARE keyauth_002 FROM @keyauth_002;
EXECUTE keyauth_002;
DEALLOCATE PREPARE keyauth_002;
