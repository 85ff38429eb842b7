package sqlstore

var mysqlQueries = &queries{
	insertKey: `INSERT INTO keyauth_keys (` + keyColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	getKey:    `SELECT ` + keyColumns + ` FROM keyauth_keys WHERE id = ?`,
	listFirst: `SELECT ` + listColumns + ` FROM keyauth_keys WHERE org_id = ? ORDER BY created_at, id LIMIT ?`,
	// The expanded comparison, not a row comparison: MariaDB uses the
	// (org_id, created_at, id) index for a range only in this form.
	listAfter: `SELECT ` + listColumns + ` FROM keyauth_keys WHERE org_id = ? AND created_at >= ? ` +
		`AND (created_at > ? OR id > ?) ORDER BY created_at, id LIMIT ?`,
	listAfterArgs: func(orgID string, createdAt any, id string, limit int) []any {
		return []any{orgID, createdAt, createdAt, id, limit}
	},
	revoke:    `UPDATE keyauth_keys SET revoked_at = ? WHERE id = ? AND org_id = ? AND revoked_at IS NULL`,
	setTag:    `UPDATE keyauth_keys SET tag = ? WHERE id = ?`,
	keyExists: `SELECT 1 FROM keyauth_keys WHERE id = ?`,
	rotate: `UPDATE keyauth_keys SET expires_at = CASE WHEN expires_at IS NULL OR expires_at > ? THEN ? ELSE expires_at END, rotated_at = ? ` +
		`WHERE id = ? AND org_id = ? AND revoked_at IS NULL AND rotated_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`,
	rotateArgs: func(graceUntil, now any, id, orgID string) []any {
		return []any{graceUntil, graceUntil, now, id, orgID, now}
	},
	insertChange: `INSERT INTO keyauth_changes (key_id, revoked_at, expires_at, changed_at, rotated_at) VALUES (?, ?, ?, ?, ?)`,
	insertEvent: `INSERT INTO keyauth_events (org_id, key_id, action, at, actor_id, actor_name, client_addr, new_key_id) ` +
		`VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
	eventsFirst:  `SELECT ` + eventColumns + ` FROM keyauth_events WHERE org_id = ? ORDER BY id DESC LIMIT ?`,
	eventsBefore: `SELECT ` + eventColumns + ` FROM keyauth_events WHERE org_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
	changesHead: `SELECT 0, pruned_through FROM keyauth_feed WHERE id = 1 ` +
		`UNION ALL SELECT 1, seq FROM (SELECT seq FROM keyauth_changes ORDER BY seq DESC LIMIT 256) r`,
	changesAfter: `SELECT f.pruned_through, m.max_seq, c.seq, c.key_id, c.revoked_at, c.expires_at, c.rotated_at ` +
		`FROM keyauth_feed f CROSS JOIN (SELECT MAX(seq) AS max_seq FROM keyauth_changes) m ` +
		`LEFT JOIN keyauth_changes c ON c.seq > ? WHERE f.id = 1 ORDER BY c.seq LIMIT ?`,
	pruneFind: `SELECT COALESCE(MAX(seq), 0) FROM keyauth_changes WHERE changed_at < ? ` +
		`AND seq < (SELECT MAX(seq) FROM keyauth_changes)`,
	pruneMark:   `UPDATE keyauth_feed SET pruned_through = ? WHERE id = 1 AND pruned_through < ?`,
	pruneDelete: `DELETE FROM keyauth_changes WHERE seq <= ?`,
	// InnoDB walks the primary key for the IN list in id order, so two
	// instances flushing overlapping batches lock rows in the same order.
	recordUse: func(n int) string {
		return `UPDATE keyauth_keys SET last_used_at = CASE ` +
			repeatJoin(n, " ", func(int) string { return "WHEN id = ? AND (last_used_at IS NULL OR last_used_at < ?) THEN ?" }) +
			` ELSE last_used_at END WHERE id IN (` + repeatJoin(n, ", ", func(int) string { return "?" }) + `)`
	},
	recordUseArgs: caseUseArgs,
}
