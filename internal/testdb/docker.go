package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Containers are started once per test binary and shared by its tests
// (each still gets its own database). They expire on their own, because no
// test owns them long enough to remove them. The docker command-line tool
// starts them: a Docker client library would bring its dependency graph
// into the go.sum of every module that requires keyauth.
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
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := []string{"run", "--detach", "--rm", "--publish", "127.0.0.1::" + port}
	for _, e := range env {
		args = append(args, "--env", e)
	}
	// The container stops itself after its lifetime: the image's entry
	// point runs under timeout.
	args = append(args, "--entrypoint", "timeout", key, strconv.Itoa(int(containerLifetime/time.Second)), "docker-entrypoint.sh")
	if repo == "postgres" {
		args = append(args, "postgres")
	} else {
		args = append(args, "mariadbd")
	}
	out, err := exec.CommandContext(ctx, "docker", args...).Output() // #nosec G204 -- fixed images and arguments
	if err != nil {
		return "", fmt.Errorf("starting %s: %w", key, err)
	}
	id := strings.TrimSpace(string(out))
	out, err = exec.CommandContext(ctx, "docker", "port", id, port).Output() // #nosec G204 -- the id docker printed
	if err != nil {
		return "", fmt.Errorf("reading the port of %s: %w", key, err)
	}
	hostPort, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	dsn := dsnFor(hostPort)
	for {
		if err = ping(driver, dsn); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			_ = exec.Command("docker", "rm", "--force", id).Run() // #nosec G204 -- the id docker printed
			return "", fmt.Errorf("waiting for %s: %w", key, err)
		case <-time.After(time.Second):
		}
	}
	dockerDSNs[key] = dsn
	return dsn, nil
}

func ping(driver, dsn string) error {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Ping()
}

func startPostgres() (string, error) {
	return startContainer("postgres", "15", []string{"POSTGRES_HOST_AUTH_METHOD=trust"}, "5432/tcp", "pgx",
		func(hp string) string { return "postgres://postgres@" + hp + "/postgres?sslmode=disable" })
}

func startMySQL() (string, error) {
	return startContainer("mariadb", "10.11", []string{"MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1"}, "3306/tcp", "mysql",
		func(hp string) string { return "root@tcp(" + hp + ")/?parseTime=true" })
}
