package sqlstore

var sqliteQueries = &queries{
	insertKey: `INSERT INTO keyauth_keys (` + keyColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	getKey:    `SELECT ` + keyColumns + ` FROM keyauth_keys WHERE id = ?`,
	listFirst: `SELECT ` + listColumns + ` FROM keyauth_keys WHERE org_id = ? ORDER BY created_at, id LIMIT ?`,
	listAfter: `SELECT ` + listColumns + ` FROM keyauth_keys WHERE org_id = ?1 AND (created_at, id) > (?2, ?3) ` +
		`ORDER BY created_at, id LIMIT ?4`,
	listAfterArgs: func(orgID string, createdAt any, id string, limit int) []any {
		return []any{orgID, createdAt, id, limit}
	},
	revoke:    `UPDATE keyauth_keys SET revoked_at = ? WHERE id = ? AND org_id = ? AND revoked_at IS NULL`,
	setTag:    `UPDATE keyauth_keys SET tag = ? WHERE id = ?`,
	keyExists: `SELECT 1 FROM keyauth_keys WHERE id = ?`,
	rotate: `UPDATE keyauth_keys SET expires_at = CASE WHEN expires_at IS NULL OR expires_at > ?1 THEN ?1 ELSE expires_at END, rotated_at = ?2 ` +
		`WHERE id = ?3 AND org_id = ?4 AND revoked_at IS NULL AND rotated_at IS NULL AND (expires_at IS NULL OR expires_at > ?2)`,
	rotateArgs: func(graceUntil, now any, id, orgID string) []any {
		return []any{graceUntil, now, id, orgID}
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
	// A join with the batch, not a CASE per row: a CASE of 1,000 branches
	// evaluated for 1,000 rows is a million comparisons in SQLite.
	recordUse: func(n int) string {
		return `WITH v (id, at) AS (VALUES ` + repeatJoin(n, ", ", func(int) string { return "(?, ?)" }) + `) ` +
			`UPDATE keyauth_keys SET last_used_at = v.at FROM v ` +
			`WHERE keyauth_keys.id = v.id AND (keyauth_keys.last_used_at IS NULL OR keyauth_keys.last_used_at < v.at)`
	},
	recordUseArgs: pairUseArgs,
}
