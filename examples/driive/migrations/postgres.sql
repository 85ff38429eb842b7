-- Tables of the driive example itself; the key tables belong to sqlstore.
CREATE TABLE IF NOT EXISTS driive_meta (
    name  VARCHAR(64) PRIMARY KEY,
    value VARCHAR(255) NOT NULL
);

CREATE TABLE IF NOT EXISTS driive_contacts (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         VARCHAR(32) NOT NULL UNIQUE,
    org_id     VARCHAR(64) NOT NULL,
    name       VARCHAR(200) NOT NULL,
    email      VARCHAR(254),
    phone      VARCHAR(32),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX IF NOT EXISTS driive_contacts_org_seq ON driive_contacts (org_id, seq);

CREATE TABLE IF NOT EXISTS driive_appointments (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         VARCHAR(32) NOT NULL UNIQUE,
    org_id     VARCHAR(64) NOT NULL,
    title      VARCHAR(200) NOT NULL,
    starts_at  TIMESTAMPTZ NOT NULL,
    ends_at    TIMESTAMPTZ NOT NULL,
    contact_id VARCHAR(32),
    notes      TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX IF NOT EXISTS driive_appointments_org_seq ON driive_appointments (org_id, seq);
CREATE INDEX IF NOT EXISTS driive_appointments_org_contact ON driive_appointments (org_id, contact_id);

CREATE TABLE IF NOT EXISTS driive_team_members (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id            VARCHAR(32) NOT NULL UNIQUE,
    org_id        VARCHAR(64) NOT NULL,
    name          VARCHAR(200) NOT NULL,
    email         VARCHAR(254),
    role          VARCHAR(100),
    time_zone     VARCHAR(64) NOT NULL,
    working_hours TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE INDEX IF NOT EXISTS driive_team_members_org_seq ON driive_team_members (org_id, seq);

ALTER TABLE driive_appointments ADD COLUMN IF NOT EXISTS team_member_id VARCHAR(32);

CREATE INDEX IF NOT EXISTS driive_appointments_org_member ON driive_appointments (org_id, team_member_id, starts_at);
