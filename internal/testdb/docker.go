package testdb

import (
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/ory/dockertest/v3"
)

// Containers are started once per test binary and shared by its tests
// (each still gets its own database). They expire on their own, because no
// test owns them long enough to remove them.
var (
	dockerMu   sync.Mutex
	dockerDSNs = map[string]string{}
)

const containerLifetime = 10 * time.Minute

func startContainer(repo, tag string, env []string, port, driver string, dsnFor func(hostPort string) string) (string, error) {
	dockerMu.Lock()
	defer dockerMu.Unlock()
	key := repo + ":" + tag
	if dsn, ok := dockerDSNs[key]; ok {
		return dsn, nil
	}
	pool, err := dockertest.NewPool("")
	if err != nil {
		return "", fmt.Errorf("connecting to Docker: %w", err)
	}
	pool.MaxWait = 2 * time.Minute
	res, err := pool.Run(repo, tag, env)
	if err != nil {
		return "", fmt.Errorf("starting %s: %w", key, err)
	}
	if err := res.Expire(uint(containerLifetime / time.Second)); err != nil {
		_ = pool.Purge(res)
		return "", fmt.Errorf("setting expiry of %s: %w", key, err)
	}
	dsn := dsnFor(res.GetHostPort(port))
	err = pool.Retry(func() error {
		db, err := sql.Open(driver, dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		return db.Ping()
	})
	if err != nil {
		_ = pool.Purge(res)
		return "", fmt.Errorf("waiting for %s: %w", key, err)
	}
	dockerDSNs[key] = dsn
	return dsn, nil
}

func startPostgres() (string, error) {
	return startContainer("postgres", "15", []string{"POSTGRES_HOST_AUTH_METHOD=trust"}, "5432/tcp", "pgx",
		func(hp string) string { return "postgres://postgres@" + hp + "/postgres?sslmode=disable" })
}

func startMySQL() (string, error) {
	return startContainer("mariadb", "10.11", []string{"MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1"}, "3306/tcp", "mysql",
		func(hp string) string { return "root@tcp(" + hp + ")/?parseTime=true" })
}
