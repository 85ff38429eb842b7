package middleware

// headerProblem classifies an Authorization header that yields no token.
type headerProblem uint8

const (
	headerOK headerProblem = iota
	// headerMissing: no Authorization header, an empty one, or another
	// scheme than Bearer. The client sent no API key: 401.
	headerMissing
	// headerDuplicate: more than one Authorization header: 400.
	headerDuplicate
	// headerEmptyToken: the Bearer scheme without a token: 400.
	headerEmptyToken
	// headerBadToken: the Bearer scheme followed by something that is not
	// spaces and an RFC 6750 b64token: 400.
	headerBadToken
)

// parseAuthorization returns the bearer token of a request's Authorization
// header values (r.Header["Authorization"]).
//
// The grammar is RFC 6750's, "Bearer" 1*SP b64token, with the scheme
// matched case-insensitively. The scheme is the header's leading run of
// RFC 9110 token characters: "Basic x" and "Bearerdk_..." name other
// schemes (no API key, 401), while "Bearer\tdk_..." names Bearer followed
// by a tab, which RFC 7235 and our contract do not allow as a separator,
// so it is malformed (400) rather than silently taken for another scheme.
// The token's length is not limited here: any b64token that is not a key
// is the Authenticator's to refuse, as an invalid key (401).
func parseAuthorization(values []string) (string, headerProblem) {
	switch len(values) {
	case 0:
		return "", headerMissing
	case 1:
	default:
		return "", headerDuplicate
	}
	v := values[0]
	i := 0
	for i < len(v) && isTokenChar(v[i]) {
		i++
	}
	if !isBearer(v[:i]) {
		return "", headerMissing
	}
	rest := v[i:]
	if rest == "" {
		return "", headerEmptyToken
	}
	if rest[0] != ' ' {
		return "", headerBadToken
	}
	j := 0
	for j < len(rest) && rest[j] == ' ' {
		j++
	}
	token := rest[j:]
	if token == "" {
		return "", headerEmptyToken
	}
	if !isB64Token(token) {
		return "", headerBadToken
	}
	return token, headerOK
}

// isBearer reports whether s is "Bearer" in any case, without allocating.
func isBearer(s string) bool {
	const bearer = "bearer"
	if len(s) != len(bearer) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i]|0x20 != bearer[i] {
			return false
		}
	}
	return true
}

// isB64Token reports whether s matches RFC 6750's
// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	i := 0
	for i < len(s) && isB64Char(s[i]) {
		i++
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}

func isB64Char(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'
}

// isTokenChar reports whether c is an RFC 9110 tchar.
func isTokenChar(c byte) bool {
	if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}
