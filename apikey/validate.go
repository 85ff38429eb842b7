package apikey

import (
	"unicode"
	"unicode/utf8"
)

const (
	orgRule  = "organization id must be 1-64 characters of [A-Za-z0-9_-]"
	nameRule = "name must be 1-100 printable characters"
	// Organization ids and names are stored and shown in plaintext, so a
	// key pasted into one by mistake would leak.
	orgKeyRule  = "organization id must not contain text shaped like an API key"
	nameKeyRule = "name must not contain text shaped like an API key"
)

func validateOrg(org string) error {
	if len(org) < 1 || len(org) > 64 {
		return argErr("org_id", orgRule)
	}
	for i := 0; i < len(org); i++ {
		c := org[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return argErr("org_id", orgRule)
		}
	}
	return nil
}

// ValidateOrgID reports whether id is a valid organization id: 1-64
// characters of [A-Za-z0-9_-]. The error is an [*ArgumentError].
func ValidateOrgID(id string) error { return validateOrg(id) }

// validateNewOrg is validateOrg for an organization id about to be stored
// with a new key: no key-shaped text either.
func validateNewOrg(org string) error {
	if err := validateOrg(org); err != nil {
		return err
	}
	if ContainsKeyText(org) {
		return argErr("org_id", orgKeyRule)
	}
	return nil
}

func validateName(name string) error {
	n := utf8.RuneCountInString(name)
	if n < 1 || n > 100 || !utf8.ValidString(name) {
		return argErr("name", nameRule)
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return argErr("name", nameRule)
		}
	}
	if ContainsKeyText(name) {
		return argErr("name", nameKeyRule)
	}
	return nil
}
