package main

// queries holds the SQL of the example's own tables for one dialect,
// written out by hand: PostgreSQL numbers its placeholders, MySQL and
// SQLite differ in how they insert-if-absent and lock rows.
type queries struct {
	metaInsertIfAbsent string // name, value
	metaGet            string // name
	metaDelete         string // name

	contacts     tableSQL // values: name, email, phone
	appointments tableSQL // values: title, starts, ends, contact, team member, notes
	teamMembers  tableSQL // values: name, email, role, time zone, working hours

	contactLock                 string // org, id: holds the contact until commit
	teamMemberLock              string // org, id: holds the member until commit
	appointmentUnlinkContact    string // updated, org, contact
	appointmentUnlinkTeamMember string // updated, org, member
	// appointmentsBetween: org, from, to; the appointments of members
	// that overlap [from, to), by member and start.
	appointmentsBetween string
}

const (
	contactCols     = "seq, id, name, email, phone, created_at, updated_at"
	appointmentCols = "seq, id, title, starts_at, ends_at, contact_id, team_member_id, notes, created_at, updated_at"
	teamMemberCols  = "seq, id, name, email, role, time_zone, working_hours, created_at, updated_at"
)

var postgresQueries = &queries{
	metaInsertIfAbsent: `INSERT INTO driive_meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
	metaGet:            `SELECT value FROM driive_meta WHERE name = $1`,
	metaDelete:         `DELETE FROM driive_meta WHERE name = $1`,

	contacts: tableSQL{
		insert: `INSERT INTO driive_contacts (id, org_id, name, email, phone, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		get:          `SELECT ` + contactCols + ` FROM driive_contacts WHERE org_id = $1 AND id = $2`,
		getForUpdate: `SELECT ` + contactCols + ` FROM driive_contacts WHERE org_id = $1 AND id = $2 FOR UPDATE`,
		list:         `SELECT ` + contactCols + ` FROM driive_contacts WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
		update: `UPDATE driive_contacts SET name = $1, email = $2, phone = $3, updated_at = $4
			WHERE org_id = $5 AND id = $6`,
		delete: `DELETE FROM driive_contacts WHERE org_id = $1 AND id = $2`,
	},
	appointments: tableSQL{
		insert: `INSERT INTO driive_appointments
			(id, org_id, title, starts_at, ends_at, contact_id, team_member_id, notes, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		get:          `SELECT ` + appointmentCols + ` FROM driive_appointments WHERE org_id = $1 AND id = $2`,
		getForUpdate: `SELECT ` + appointmentCols + ` FROM driive_appointments WHERE org_id = $1 AND id = $2 FOR UPDATE`,
		list:         `SELECT ` + appointmentCols + ` FROM driive_appointments WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
		update: `UPDATE driive_appointments SET title = $1, starts_at = $2, ends_at = $3, contact_id = $4,
			team_member_id = $5, notes = $6, updated_at = $7 WHERE org_id = $8 AND id = $9`,
		delete: `DELETE FROM driive_appointments WHERE org_id = $1 AND id = $2`,
	},
	teamMembers: tableSQL{
		insert: `INSERT INTO driive_team_members (id, org_id, name, email, role, time_zone, working_hours, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		get:          `SELECT ` + teamMemberCols + ` FROM driive_team_members WHERE org_id = $1 AND id = $2`,
		getForUpdate: `SELECT ` + teamMemberCols + ` FROM driive_team_members WHERE org_id = $1 AND id = $2 FOR UPDATE`,
		list:         `SELECT ` + teamMemberCols + ` FROM driive_team_members WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
		update: `UPDATE driive_team_members SET name = $1, email = $2, role = $3, time_zone = $4, working_hours = $5,
			updated_at = $6 WHERE org_id = $7 AND id = $8`,
		delete: `DELETE FROM driive_team_members WHERE org_id = $1 AND id = $2`,
	},
	teamMemberLock: `SELECT 1 FROM driive_team_members WHERE org_id = $1 AND id = $2 FOR SHARE`,
	appointmentUnlinkTeamMember: `UPDATE driive_appointments SET team_member_id = NULL, updated_at = $1
		WHERE org_id = $2 AND team_member_id = $3`,
	appointmentsBetween: `SELECT ` + appointmentCols + ` FROM driive_appointments
		WHERE org_id = $1 AND team_member_id IS NOT NULL AND ends_at > $2 AND starts_at < $3
		ORDER BY team_member_id, starts_at`,
	contactLock: `SELECT 1 FROM driive_contacts WHERE org_id = $1 AND id = $2 FOR SHARE`,
	appointmentUnlinkContact: `UPDATE driive_appointments SET contact_id = NULL, updated_at = $1
		WHERE org_id = $2 AND contact_id = $3`,
}

var mysqlQueries = &queries{
	metaInsertIfAbsent: `INSERT IGNORE INTO driive_meta (name, value) VALUES (?, ?)`,
	metaGet:            `SELECT value FROM driive_meta WHERE name = ?`,
	metaDelete:         `DELETE FROM driive_meta WHERE name = ?`,

	contacts: tableSQL{
		insert: `INSERT INTO driive_contacts (id, org_id, name, email, phone, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
		get:          `SELECT ` + contactCols + ` FROM driive_contacts WHERE org_id = ? AND id = ?`,
		getForUpdate: `SELECT ` + contactCols + ` FROM driive_contacts WHERE org_id = ? AND id = ? FOR UPDATE`,
		list:         `SELECT ` + contactCols + ` FROM driive_contacts WHERE org_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
		update: `UPDATE driive_contacts SET name = ?, email = ?, phone = ?, updated_at = ?
			WHERE org_id = ? AND id = ?`,
		delete: `DELETE FROM driive_contacts WHERE org_id = ? AND id = ?`,
	},
	appointments: tableSQL{
		insert: `INSERT INTO driive_appointments
			(id, org_id, title, starts_at, ends_at, contact_id, team_member_id, notes, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		get:          `SELECT ` + appointmentCols + ` FROM driive_appointments WHERE org_id = ? AND id = ?`,
		getForUpdate: `SELECT ` + appointmentCols + ` FROM driive_appointments WHERE org_id = ? AND id = ? FOR UPDATE`,
		list:         `SELECT ` + appointmentCols + ` FROM driive_appointments WHERE org_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
		update: `UPDATE driive_appointments SET title = ?, starts_at = ?, ends_at = ?, contact_id = ?,
			team_member_id = ?, notes = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		delete: `DELETE FROM driive_appointments WHERE org_id = ? AND id = ?`,
	},
	teamMembers: tableSQL{
		insert: `INSERT INTO driive_team_members (id, org_id, name, email, role, time_zone, working_hours, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		get:          `SELECT ` + teamMemberCols + ` FROM driive_team_members WHERE org_id = ? AND id = ?`,
		getForUpdate: `SELECT ` + teamMemberCols + ` FROM driive_team_members WHERE org_id = ? AND id = ? FOR UPDATE`,
		list:         `SELECT ` + teamMemberCols + ` FROM driive_team_members WHERE org_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
		update: `UPDATE driive_team_members SET name = ?, email = ?, role = ?, time_zone = ?, working_hours = ?,
			updated_at = ? WHERE org_id = ? AND id = ?`,
		delete: `DELETE FROM driive_team_members WHERE org_id = ? AND id = ?`,
	},
	teamMemberLock: `SELECT 1 FROM driive_team_members WHERE org_id = ? AND id = ? LOCK IN SHARE MODE`,
	appointmentUnlinkTeamMember: `UPDATE driive_appointments SET team_member_id = NULL, updated_at = ?
		WHERE org_id = ? AND team_member_id = ?`,
	appointmentsBetween: `SELECT ` + appointmentCols + ` FROM driive_appointments
		WHERE org_id = ? AND team_member_id IS NOT NULL AND ends_at > ? AND starts_at < ?
		ORDER BY team_member_id, starts_at`,
	contactLock: `SELECT 1 FROM driive_contacts WHERE org_id = ? AND id = ? LOCK IN SHARE MODE`,
	appointmentUnlinkContact: `UPDATE driive_appointments SET contact_id = NULL, updated_at = ?
		WHERE org_id = ? AND contact_id = ?`,
}

// sqliteQueries: SQLite has no row locks; every write transaction takes
// the database's write lock at BEGIN (see sqliteSource), which serializes
// them instead. Where its SQL is MySQL's word for word, it is reused.
var sqliteQueries = &queries{
	metaInsertIfAbsent: `INSERT INTO driive_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`,
	metaGet:            `SELECT value FROM driive_meta WHERE name = ?`,
	metaDelete:         `DELETE FROM driive_meta WHERE name = ?`,

	contacts: tableSQL{
		insert:       mysqlQueries.contacts.insert,
		get:          mysqlQueries.contacts.get,
		getForUpdate: mysqlQueries.contacts.get,
		list:         mysqlQueries.contacts.list,
		update:       mysqlQueries.contacts.update,
		delete:       mysqlQueries.contacts.delete,
	},
	appointments: tableSQL{
		insert:       mysqlQueries.appointments.insert,
		get:          mysqlQueries.appointments.get,
		getForUpdate: mysqlQueries.appointments.get,
		list:         mysqlQueries.appointments.list,
		update:       mysqlQueries.appointments.update,
		delete:       mysqlQueries.appointments.delete,
	},
	teamMembers: tableSQL{
		insert:       mysqlQueries.teamMembers.insert,
		get:          mysqlQueries.teamMembers.get,
		getForUpdate: mysqlQueries.teamMembers.get,
		list:         mysqlQueries.teamMembers.list,
		update:       mysqlQueries.teamMembers.update,
		delete:       mysqlQueries.teamMembers.delete,
	},
	contactLock:                 `SELECT 1 FROM driive_contacts WHERE org_id = ? AND id = ?`,
	teamMemberLock:              `SELECT 1 FROM driive_team_members WHERE org_id = ? AND id = ?`,
	appointmentUnlinkContact:    mysqlQueries.appointmentUnlinkContact,
	appointmentUnlinkTeamMember: mysqlQueries.appointmentUnlinkTeamMember,
	appointmentsBetween:         mysqlQueries.appointmentsBetween,
}
