package middleware

import (
	"regexp"
	"strings"
	"testing"
)

// oracle is the accepted grammar written as a regexp, independently of
// parseAuthorization: "Bearer" in any case, one or more spaces, a
// b64token, nothing else.
var oracle = regexp.MustCompile(`^(?i:bearer) +([A-Za-z0-9\-._~+/]+=*)$`)

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		"", "Bearer", "Bearer ", "bearer dk_abc", "BEARER   dk_abc==", "Bearer\tdk_abc",
		"Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Bearerdk_abc", "Bearer dk_a b", "Bearer =abc",
		"Bearer abc=def", "Bearer dk_\u00e9", "Bearer dk_\x00", " Bearer dk_abc", "Bearer dk_abc ",
		"Bearer dk_0123456789ab_0123456789abcdefghijABCDEFGHIJabcdefgh",
	} {
		f.Add(s, false)
	}
	f.Add("Bearer dk_abc", true)
	f.Fuzz(func(t *testing.T, v string, twice bool) {
		values := []string{v}
		if twice {
			values = append(values, v)
		}
		token, hp := parseAuthorization(values)
		if twice {
			if hp != headerDuplicate {
				t.Fatalf("two headers: %v", hp)
			}
			return
		}
		m := oracle.FindStringSubmatch(v)
		switch {
		case hp == headerOK:
			if m == nil || m[1] != token || !isB64Token(token) {
				t.Fatalf("accepted %q as %q; the grammar says %q", v, token, m)
			}
		case m != nil:
			t.Fatalf("refused %q (%v); the grammar accepts it", v, hp)
		case token != "":
			t.Fatalf("refused %q but returned a token", v)
		case hp == headerMissing:
			// Another scheme: the leading token is not "bearer".
			i := strings.IndexFunc(v, func(r rune) bool { return r > 0x7f || !isTokenChar(byte(r)) })
			if i < 0 {
				i = len(v)
			}
			if strings.EqualFold(v[:i], "bearer") {
				t.Fatalf("%q names Bearer but was taken for another scheme", v)
			}
		case hp != headerEmptyToken && hp != headerBadToken:
			t.Fatalf("%q: unexpected result %v", v, hp)
		}
	})
}

func TestParseAuthorization(t *testing.T) {
	tests := map[string]struct {
		values []string
		token  string
		hp     headerProblem
	}{
		"none":               {nil, "", headerMissing},
		"empty":              {[]string{""}, "", headerMissing},
		"basic":              {[]string{"Basic abc"}, "", headerMissing},
		"two":                {[]string{"Bearer a", "Bearer a"}, "", headerDuplicate},
		"bare":               {[]string{"bEaReR"}, "", headerEmptyToken},
		"spaces only":        {[]string{"Bearer   "}, "", headerEmptyToken},
		"tab":                {[]string{"Bearer\tabc"}, "", headerBadToken},
		"comma":              {[]string{"Bearer,abc"}, "", headerBadToken},
		"only padding":       {[]string{"Bearer =="}, "", headerBadToken},
		"padding in between": {[]string{"Bearer a=b"}, "", headerBadToken},
		"ok":                 {[]string{"Bearer abc"}, "abc", headerOK},
		"ok with padding":    {[]string{"bearer   a-._~+/Z9=="}, "a-._~+/Z9==", headerOK},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			token, hp := parseAuthorization(tc.values)
			if token != tc.token || hp != tc.hp {
				t.Errorf("= %q, %v; want %q, %v", token, hp, tc.token, tc.hp)
			}
		})
	}
}
