package sqlstore

var postgresQueries = &queries{
	insertKey: `INSERT INTO keyauth_keys (` + keyColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
	getKey:    `SELECT ` + keyColumns + ` FROM keyauth_keys WHERE id = $1`,
	listFirst: `SELECT ` + listColumns + ` FROM keyauth_keys WHERE org_id = $1 ORDER BY created_at, id LIMIT $2`,
	// A row comparison is what lets PostgreSQL walk the (org_id,
	// created_at, id) index from the position.
	listAfter: `SELECT ` + listColumns + ` FROM keyauth_keys WHERE org_id = $1 AND (created_at, id) > ($2, $3) ORDER BY created_at, id LIMIT $4`,
	listAfterArgs: func(orgID string, createdAt any, id string, limit int) []any {
		return []any{orgID, createdAt, id, limit}
	},
	revoke:    `UPDATE keyauth_keys SET revoked_at = $1 WHERE id = $2 AND org_id = $3 AND revoked_at IS NULL`,
	setTag:    `UPDATE keyauth_keys SET tag = $1 WHERE id = $2`,
	keyExists: `SELECT 1 FROM keyauth_keys WHERE id = $1`,
	rotate: `UPDATE keyauth_keys SET expires_at = CASE WHEN expires_at IS NULL OR expires_at > $1 THEN $1 ELSE expires_at END, rotated_at = $2 ` +
		`WHERE id = $3 AND org_id = $4 AND revoked_at IS NULL AND rotated_at IS NULL AND (expires_at IS NULL OR expires_at > $2)`,
	rotateArgs: func(graceUntil, now any, id, orgID string) []any {
		return []any{graceUntil, now, id, orgID}
	},
	insertChange: `INSERT INTO keyauth_changes (key_id, revoked_at, expires_at, changed_at, rotated_at) VALUES ($1, $2, $3, $4, $5)`,
	insertEvent: `INSERT INTO keyauth_events (org_id, key_id, action, at, actor_id, actor_name, client_addr, new_key_id) ` +
		`VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
	eventsFirst:  `SELECT ` + eventColumns + ` FROM keyauth_events WHERE org_id = $1 ORDER BY id DESC LIMIT $2`,
	eventsBefore: `SELECT ` + eventColumns + ` FROM keyauth_events WHERE org_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
	changesHead: `SELECT 0, pruned_through FROM keyauth_feed WHERE id = 1 ` +
		`UNION ALL SELECT 1, seq FROM (SELECT seq FROM keyauth_changes ORDER BY seq DESC LIMIT 256) r`,
	changesAfter: `SELECT f.pruned_through, m.max_seq, c.seq, c.key_id, c.revoked_at, c.expires_at, c.rotated_at ` +
		`FROM keyauth_feed f CROSS JOIN (SELECT MAX(seq) AS max_seq FROM keyauth_changes) m ` +
		`LEFT JOIN keyauth_changes c ON c.seq > $1 WHERE f.id = 1 ORDER BY c.seq LIMIT $2`,
	pruneFind: `SELECT COALESCE(MAX(seq), 0) FROM keyauth_changes WHERE changed_at < $1 ` +
		`AND seq < (SELECT MAX(seq) FROM keyauth_changes)`,
	pruneMark:   `UPDATE keyauth_feed SET pruned_through = $1 WHERE id = 1 AND pruned_through < $2`,
	pruneDelete: `DELETE FROM keyauth_changes WHERE seq <= $1`,
	// The MATERIALIZED locking step takes the row locks in id order, so two
	// instances flushing overlapping batches cannot deadlock.
	recordUse: func(n int) string {
		return `WITH v (id, at) AS (VALUES ` +
			repeatJoin(n, ", ", func(i int) string { return "($" + itoa(2*i+1) + ", $" + itoa(2*i+2) + "::timestamptz)" }) +
			`), l AS MATERIALIZED (SELECT k.id FROM keyauth_keys k JOIN v ON k.id = v.id ORDER BY k.id FOR UPDATE OF k) ` +
			`UPDATE keyauth_keys k SET last_used_at = v.at FROM v JOIN l ON l.id = v.id ` +
			`WHERE k.id = v.id AND (k.last_used_at IS NULL OR k.last_used_at < v.at)`
	},
	recordUseArgs: pairUseArgs,
}
