module github.com/driive/keyauth

go 1.25.0

require (
	github.com/alexedwards/argon2id v1.0.0
	github.com/google/go-cmp v0.7.0
	golang.org/x/crypto v0.55.0
	golang.org/x/sync v0.22.0
)

require golang.org/x/sys v0.47.0 // indirect
