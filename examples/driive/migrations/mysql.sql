-- Tables of the driive example itself; the key tables belong to sqlstore.
CREATE TABLE IF NOT EXISTS driive_meta (
    name  VARCHAR(64) NOT NULL PRIMARY KEY,
    value VARCHAR(255) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS driive_contacts (
    seq        BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    id         VARCHAR(32) NOT NULL,
    org_id     VARCHAR(64) NOT NULL,
    name       VARCHAR(200) NOT NULL,
    email      VARCHAR(254) NULL,
    phone      VARCHAR(32) NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    UNIQUE KEY driive_contacts_id (id),
    KEY driive_contacts_org_seq (org_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS driive_appointments (
    seq        BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    id         VARCHAR(32) NOT NULL,
    org_id     VARCHAR(64) NOT NULL,
    title      VARCHAR(200) NOT NULL,
    starts_at  DATETIME(6) NOT NULL,
    ends_at    DATETIME(6) NOT NULL,
    contact_id VARCHAR(32) NULL,
    notes      TEXT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    UNIQUE KEY driive_appointments_id (id),
    KEY driive_appointments_org_seq (org_id, seq),
    KEY driive_appointments_org_contact (org_id, contact_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS driive_team_members (
    seq           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    id            VARCHAR(32) NOT NULL,
    org_id        VARCHAR(64) NOT NULL,
    name          VARCHAR(200) NOT NULL,
    email         VARCHAR(254) NULL,
    role          VARCHAR(100) NULL,
    time_zone     VARCHAR(64) NOT NULL,
    working_hours TEXT NOT NULL,
    created_at    DATETIME(6) NOT NULL,
    updated_at    DATETIME(6) NOT NULL,
    UNIQUE KEY driive_team_members_id (id),
    KEY driive_team_members_org_seq (org_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- MariaDB's IF NOT EXISTS keeps this idempotent.
ALTER TABLE driive_appointments ADD COLUMN IF NOT EXISTS team_member_id VARCHAR(32) NULL;

CREATE INDEX IF NOT EXISTS driive_appointments_org_member ON driive_appointments (org_id, team_member_id, starts_at);
