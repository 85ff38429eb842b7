-- keyauth schema for PostgreSQL, version 2: the check tag of each key.
-- Applied by sqlstore.Store.Migrate; also usable as is with goose (see its
-- annotation) and golang-migrate.

-- +goose Up

-- A short check value of the whole key text (see apikey's tag.go), compared
-- before argon2id so that a wrong secret costs a SHA-256. NULL for rows
-- written before this version: the Service verifies those with argon2id
-- alone and writes their tag on their first successful verification.
ALTER TABLE keyauth_keys ADD COLUMN IF NOT EXISTS tag VARCHAR(64) NULL;
