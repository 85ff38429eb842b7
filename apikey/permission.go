package apikey

import "strconv"

// Permission is what a key may do. Write includes read.
type Permission uint8

const (
	// Read allows reading data only.
	Read Permission = iota + 1
	// Write allows creating, changing and deleting data, and reading it.
	Write
)

// ParsePermission parses "read" or "write".
func ParsePermission(s string) (Permission, error) {
	switch s {
	case "read":
		return Read, nil
	case "write":
		return Write, nil
	}
	return 0, argErr("permission", "permission must be read or write")
}

// Valid reports whether p is Read or Write.
func (p Permission) Valid() bool { return p == Read || p == Write }

// Allows reports whether a key with permission p may do what needs
// permission required.
func (p Permission) Allows(required Permission) bool {
	return p.Valid() && required.Valid() && p >= required
}

// String returns "read", "write", or "invalid".
func (p Permission) String() string {
	switch p {
	case Read:
		return "read"
	case Write:
		return "write"
	}
	return "invalid"
}

// MarshalText encodes p as "read" or "write".
func (p Permission) MarshalText() ([]byte, error) {
	if !p.Valid() {
		return nil, argErr("permission", "permission must be read or write, not "+strconv.Itoa(int(p)))
	}
	return []byte(p.String()), nil
}

// UnmarshalText decodes "read" or "write".
func (p *Permission) UnmarshalText(b []byte) error {
	v, err := ParsePermission(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}
