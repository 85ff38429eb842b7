package main

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"strings"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrate creates the example's tables if they are missing. The statements
// are idempotent; PostgreSQL runs them under an advisory lock, because two
// processes creating one table at the same moment can collide there.
func migrate(ctx context.Context, db *sql.DB, d dialect) error {
	text, err := migrations.ReadFile("migrations/" + d.String() + ".sql")
	if err != nil {
		return err
	}
	return inTx(ctx, db, func(tx *sql.Tx) error {
		if d == dialectPostgres {
			// An arbitrary constant: "driive" in ASCII.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(110411791636837)`); err != nil {
				return err
			}
		}
		for _, stmt := range statements(string(text)) {
			if d == dialectSQLite && strings.Contains(stmt, "ADD COLUMN") && hasColumn(ctx, tx, stmt) {
				continue
			}
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("%s: %w", firstLine(stmt), err)
			}
		}
		return nil
	})
}

// statements splits a migration file at the semicolons that end a line;
// the files hold no procedural code, so that is every statement.
func statements(text string) []string {
	var out []string
	for _, part := range strings.Split(text, ";\n") {
		var lines []string
		for _, l := range strings.Split(part, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), "--") {
				lines = append(lines, l)
			}
		}
		if s := strings.TrimSpace(strings.Join(lines, "\n")); s != "" {
			out = append(out, strings.TrimSuffix(s, ";"))
		}
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// inTx runs fn in a transaction and commits it if fn returns nil.
func inTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback() // fn's error is the one to report
		return err
	}
	return tx.Commit()
}

// hasColumn reports whether the column that an SQLite
// "ALTER TABLE t ADD COLUMN c ..." statement adds is there already.
func hasColumn(ctx context.Context, tx *sql.Tx, stmt string) bool {
	f := strings.Fields(stmt)
	if len(f) < 6 {
		return false
	}
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?`, f[2], f[5]).Scan(&n)
	return err == nil && n > 0
}
