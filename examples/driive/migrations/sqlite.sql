-- Tables of the driive example itself; the key tables belong to sqlstore.
-- Times are TEXT in one fixed-width UTC layout (2006-01-02T15:04:05.000000Z),
-- so that they sort as they compare.
CREATE TABLE IF NOT EXISTS driive_meta (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS driive_contacts (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    org_id     TEXT NOT NULL,
    name       TEXT NOT NULL,
    email      TEXT,
    phone      TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS driive_contacts_org_seq ON driive_contacts (org_id, seq);

CREATE TABLE IF NOT EXISTS driive_appointments (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    org_id     TEXT NOT NULL,
    title      TEXT NOT NULL,
    starts_at  TEXT NOT NULL,
    ends_at    TEXT NOT NULL,
    contact_id TEXT,
    notes      TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS driive_appointments_org_seq ON driive_appointments (org_id, seq);
CREATE INDEX IF NOT EXISTS driive_appointments_org_contact ON driive_appointments (org_id, contact_id);

CREATE TABLE IF NOT EXISTS driive_team_members (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    org_id        TEXT NOT NULL,
    name          TEXT NOT NULL,
    email         TEXT,
    role          TEXT,
    time_zone     TEXT NOT NULL,
    working_hours TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS driive_team_members_org_seq ON driive_team_members (org_id, seq);

-- SQLite has no ADD COLUMN IF NOT EXISTS: migrate skips this statement
-- when the column is there.
ALTER TABLE driive_appointments ADD COLUMN team_member_id TEXT;

CREATE INDEX IF NOT EXISTS driive_appointments_org_member ON driive_appointments (org_id, team_member_id, starts_at);
