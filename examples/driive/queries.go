package main

// queries holds the SQL of the example's own tables for one dialect,
// written out by hand: PostgreSQL numbers its placeholders, MySQL and
// SQLite differ in how they insert-if-absent and lock rows.
type queries struct {
	metaInsertIfAbsent string // name, value
	metaGet            string // name
	metaDelete         string // name

	contactInsert       string // id, org, name, email, phone, created, updated
	contactGet          string // org, id
	contactGetForUpdate string // org, id
	contactLock         string // org, id: holds the contact until commit
	contactList         string // org, after seq, limit
	contactUpdate       string // name, email, phone, updated, org, id
	contactDelete       string // org, id

	appointmentInsert       string // id, org, title, starts, ends, contact, notes, created, updated
	appointmentGet          string // org, id
	appointmentGetForUpdate string // org, id
	appointmentList         string // org, after seq, limit
	appointmentUpdate       string // title, starts, ends, contact, notes, updated, org, id
	appointmentDelete       string // org, id
	appointmentUnlink       string // updated, org, contact
}

const (
	contactCols     = "seq, id, name, email, phone, created_at, updated_at"
	appointmentCols = "seq, id, title, starts_at, ends_at, contact_id, notes, created_at, updated_at"
)

var postgresQueries = &queries{
	metaInsertIfAbsent: `INSERT INTO driive_meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
	metaGet:            `SELECT value FROM driive_meta WHERE name = $1`,
	metaDelete:         `DELETE FROM driive_meta WHERE name = $1`,

	contactInsert: `INSERT INTO driive_contacts (id, org_id, name, email, phone, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
	contactGet:          `SELECT ` + contactCols + ` FROM driive_contacts WHERE org_id = $1 AND id = $2`,
	contactGetForUpdate: `SELECT ` + contactCols + ` FROM driive_contacts WHERE org_id = $1 AND id = $2 FOR UPDATE`,
	contactLock:         `SELECT 1 FROM driive_contacts WHERE org_id = $1 AND id = $2 FOR SHARE`,
	contactList: `SELECT ` + contactCols + ` FROM driive_contacts WHERE org_id = $1 AND seq > $2
		ORDER BY seq LIMIT $3`,
	contactUpdate: `UPDATE driive_contacts SET name = $1, email = $2, phone = $3, updated_at = $4
		WHERE org_id = $5 AND id = $6`,
	contactDelete: `DELETE FROM driive_contacts WHERE org_id = $1 AND id = $2`,

	appointmentInsert: `INSERT INTO driive_appointments
		(id, org_id, title, starts_at, ends_at, contact_id, notes, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
	appointmentGet:          `SELECT ` + appointmentCols + ` FROM driive_appointments WHERE org_id = $1 AND id = $2`,
	appointmentGetForUpdate: `SELECT ` + appointmentCols + ` FROM driive_appointments WHERE org_id = $1 AND id = $2 FOR UPDATE`,
	appointmentList: `SELECT ` + appointmentCols + ` FROM driive_appointments WHERE org_id = $1 AND seq > $2
		ORDER BY seq LIMIT $3`,
	appointmentUpdate: `UPDATE driive_appointments SET title = $1, starts_at = $2, ends_at = $3, contact_id = $4,
		notes = $5, updated_at = $6 WHERE org_id = $7 AND id = $8`,
	appointmentDelete: `DELETE FROM driive_appointments WHERE org_id = $1 AND id = $2`,
	appointmentUnlink: `UPDATE driive_appointments SET contact_id = NULL, updated_at = $1
		WHERE org_id = $2 AND contact_id = $3`,
}

var mysqlQueries = &queries{
	metaInsertIfAbsent: `INSERT IGNORE INTO driive_meta (name, value) VALUES (?, ?)`,
	metaGet:            `SELECT value FROM driive_meta WHERE name = ?`,
	metaDelete:         `DELETE FROM driive_meta WHERE name = ?`,

	contactInsert: `INSERT INTO driive_contacts (id, org_id, name, email, phone, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
	contactGet:          `SELECT ` + contactCols + ` FROM driive_contacts WHERE org_id = ? AND id = ?`,
	contactGetForUpdate: `SELECT ` + contactCols + ` FROM driive_contacts WHERE org_id = ? AND id = ? FOR UPDATE`,
	contactLock:         `SELECT 1 FROM driive_contacts WHERE org_id = ? AND id = ? LOCK IN SHARE MODE`,
	contactList: `SELECT ` + contactCols + ` FROM driive_contacts WHERE org_id = ? AND seq > ?
		ORDER BY seq LIMIT ?`,
	contactUpdate: `UPDATE driive_contacts SET name = ?, email = ?, phone = ?, updated_at = ?
		WHERE org_id = ? AND id = ?`,
	contactDelete: `DELETE FROM driive_contacts WHERE org_id = ? AND id = ?`,

	appointmentInsert: `INSERT INTO driive_appointments
		(id, org_id, title, starts_at, ends_at, contact_id, notes, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	appointmentGet:          `SELECT ` + appointmentCols + ` FROM driive_appointments WHERE org_id = ? AND id = ?`,
	appointmentGetForUpdate: `SELECT ` + appointmentCols + ` FROM driive_appointments WHERE org_id = ? AND id = ? FOR UPDATE`,
	appointmentList: `SELECT ` + appointmentCols + ` FROM driive_appointments WHERE org_id = ? AND seq > ?
		ORDER BY seq LIMIT ?`,
	appointmentUpdate: `UPDATE driive_appointments SET title = ?, starts_at = ?, ends_at = ?, contact_id = ?,
		notes = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
	appointmentDelete: `DELETE FROM driive_appointments WHERE org_id = ? AND id = ?`,
	appointmentUnlink: `UPDATE driive_appointments SET contact_id = NULL, updated_at = ?
		WHERE org_id = ? AND contact_id = ?`,
}

// sqliteQueries: SQLite has no row locks; every write transaction takes
// the database's write lock at BEGIN (see sqliteSource), which serializes
// them instead.
var sqliteQueries = &queries{
	metaInsertIfAbsent: `INSERT INTO driive_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`,
	metaGet:            `SELECT value FROM driive_meta WHERE name = ?`,
	metaDelete:         `DELETE FROM driive_meta WHERE name = ?`,

	contactInsert: `INSERT INTO driive_contacts (id, org_id, name, email, phone, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
	contactGet:          `SELECT ` + contactCols + ` FROM driive_contacts WHERE org_id = ? AND id = ?`,
	contactGetForUpdate: `SELECT ` + contactCols + ` FROM driive_contacts WHERE org_id = ? AND id = ?`,
	contactLock:         `SELECT 1 FROM driive_contacts WHERE org_id = ? AND id = ?`,
	contactList: `SELECT ` + contactCols + ` FROM driive_contacts WHERE org_id = ? AND seq > ?
		ORDER BY seq LIMIT ?`,
	contactUpdate: `UPDATE driive_contacts SET name = ?, email = ?, phone = ?, updated_at = ?
		WHERE org_id = ? AND id = ?`,
	contactDelete: `DELETE FROM driive_contacts WHERE org_id = ? AND id = ?`,

	appointmentInsert: `INSERT INTO driive_appointments
		(id, org_id, title, starts_at, ends_at, contact_id, notes, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	appointmentGet:          `SELECT ` + appointmentCols + ` FROM driive_appointments WHERE org_id = ? AND id = ?`,
	appointmentGetForUpdate: `SELECT ` + appointmentCols + ` FROM driive_appointments WHERE org_id = ? AND id = ?`,
	appointmentList: `SELECT ` + appointmentCols + ` FROM driive_appointments WHERE org_id = ? AND seq > ?
		ORDER BY seq LIMIT ?`,
	appointmentUpdate: `UPDATE driive_appointments SET title = ?, starts_at = ?, ends_at = ?, contact_id = ?,
		notes = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
	appointmentDelete: `DELETE FROM driive_appointments WHERE org_id = ? AND id = ?`,
	appointmentUnlink: `UPDATE driive_appointments SET contact_id = NULL, updated_at = ?
		WHERE org_id = ? AND contact_id = ?`,
}
