// Command driive is the keyauth example server: an API of contacts,
// appointments, team members and availability, and an MCP server at /mcp
// offering the same as tools, all authenticated with organization-scoped
// API keys; a CLI to create, list, rotate and revoke those keys; and the
// Developer > API Keys page.
//
//	driive [serve] [-addr 127.0.0.1:8080] [-db DSN] [-admin-password PW] [-metrics-addr 127.0.0.1:9090]
//	driive keys create -org ORG -name NAME -permission read|write [-expires WHEN] [-json] [-db DSN]
//	driive keys list   -org ORG [-json] [-db DSN]
//	driive keys revoke -org ORG ID_OR_PREFIX [-db DSN]
//	driive keys rotate -org ORG ID_OR_PREFIX [-grace 24h] [-expires WHEN] [-json] [-db DSN]
//
// -db (or DRIIVE_DB) is sqlite:PATH (default sqlite:driive.db),
// postgres://... or mysql://user:pass@host:port/db. -metrics-addr, a
// loopback address, serves Prometheus metrics at GET /metrics (default:
// none).
//
// Exit status: 0 on success; 2 for an unknown command or flag, a missing
// flag or a value that does not parse; 1 for a value the service refuses,
// an unknown key or a database error. Every error is one line on stderr.
//
// The files are split by concern: main.go, flags.go and cli.go are the
// command line; serve.go, bootstrap.go and server.go the server, and
// metrics.go its -metrics-addr endpoint. A resource (resource.go) is one
// kind of record: contacts.go, appointments.go and team_members.go each
// declare one (fields, rules, view, columns); resource_http.go serves any
// resource as REST routes and mcp.go as MCP tools; decode.go and rules.go read and check bodies;
// pagination.go and problem.go shape answers; availability.go and slots.go
// compute free slots. table.go stores any resource with the SQL of
// queries.go; db.go, dsn.go, meta.go, migrate.go and migrations/ are the
// database. internal/web is the API Keys page.
package main
