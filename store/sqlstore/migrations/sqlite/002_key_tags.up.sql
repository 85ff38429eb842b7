-- keyauth schema for SQLite, version 2: the check tag of each key.
-- Applied by sqlstore.Store.Migrate; also usable as is with goose (see its
-- annotation) and golang-migrate.

-- Migrate's test of whether this version is applied (see schema.go):
-- keyauth:probe SELECT id FROM keyauth_feed WHERE id = 1 AND NOT EXISTS (SELECT tag FROM keyauth_keys WHERE 1 = 0)

-- +goose Up

-- A short check value of the whole key text (see apikey's tag.go), compared
-- before argon2id so that a wrong secret costs a SHA-256. NULL for rows
-- written before this version: the Service verifies those with argon2id
-- alone and writes their tag on their first successful verification.
ALTER TABLE keyauth_keys ADD COLUMN tag TEXT NULL;
