package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"unicode/utf8"
)

// maxBody bounds a request body.
const maxBody = 1 << 20

// fieldKind is the JSON type a writable member takes (besides null).
type fieldKind int

const (
	kindText fieldKind = iota // a string
	kindList                  // an array of objects whose members are strings
)

// field is one member of a resource's body: its JSON type, and what the
// MCP tools' input schemas say about it.
type field struct {
	name     string
	kind     fieldKind
	required bool     // required when creating
	readOnly bool     // set by the server; named so the rules can refuse it
	items    []string // kindList: the members of each item, all required
	doc      string
}

// member is one member of a request body. absent: a PATCH leaves the
// value as it is; null: a PATCH clears an optional value.
type member struct {
	present bool
	null    bool
	value   string              // kindText
	list    []map[string]string // kindList
}

// body is a decoded request object.
type body map[string]member

// requestError is a request that does not decode (400), or whose body is
// not JSON at all (415 when unsupported is set).
type requestError struct {
	msg         string
	unsupported bool
}

func (e *requestError) Error() string { return e.msg }

// readBody reads a request body of at most maxBody bytes sent as
// application/json (or application/merge-patch+json, for PATCH).
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &requestError{msg: "the body is larger than 1 MiB"}
		}
		return nil, &requestError{msg: "the body could not be read"}
	}
	if len(raw) > 0 {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || (mt != "application/json" && mt != "application/merge-patch+json") {
			return nil, &requestError{msg: "the body must be sent as Content-Type: application/json", unsupported: true}
		}
	}
	return raw, nil
}

// decodeBody decodes raw, which must be one JSON object in valid UTF-8,
// without duplicate member names, whose members are among fields and of
// their kind (or null).
func decodeBody(raw []byte, fields []field) (body, error) {
	obj, err := decodeObject(raw, "the body")
	if err != nil {
		return nil, err
	}
	b := make(body, len(obj))
	for name, v := range obj {
		f, ok := fieldNamed(fields, name)
		if !ok {
			return nil, &requestError{msg: fmt.Sprintf("unknown member %s", quoteShort(name))}
		}
		m := member{present: true}
		switch {
		case string(v) == "null":
			m.null = true
		case f.kind == kindList:
			if m.list, err = decodeList(v, f); err != nil {
				return nil, err
			}
		default:
			if err := json.Unmarshal(v, &m.value); err != nil {
				return nil, &requestError{msg: fmt.Sprintf("member %s must be a string or null", quoteShort(name))}
			}
		}
		b[name] = m
	}
	return b, nil
}

// decodeList decodes an array of objects whose members are f.items, each
// a string.
func decodeList(raw json.RawMessage, f field) ([]map[string]string, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, &requestError{msg: fmt.Sprintf("member %s must be an array or null", f.name)}
	}
	out := make([]map[string]string, 0, len(items))
	for _, it := range items {
		obj, err := decodeObject(it, "each item of "+f.name)
		if err != nil {
			return nil, err
		}
		item := make(map[string]string, len(obj))
		for _, want := range f.items {
			v, ok := obj[want]
			if !ok || json.Unmarshal(v, new(string)) != nil {
				return nil, &requestError{msg: fmt.Sprintf("each item of %s needs %s, a string", f.name, want)}
			}
			var s string
			_ = json.Unmarshal(v, &s) // checked just above
			item[want] = s
		}
		if len(obj) != len(f.items) {
			return nil, &requestError{msg: fmt.Sprintf("an item of %s has unknown members (known: %v)", f.name, f.items)}
		}
		out = append(out, item)
	}
	return out, nil
}

// decodeObject reads one JSON object and nothing after it, refusing what
// encoding/json lets through: invalid UTF-8 and unpaired surrogate escapes
// (which it would store as U+FFFD) and duplicate member names (of which it
// would keep the last).
func decodeObject(raw []byte, what string) (map[string]json.RawMessage, error) {
	if !utf8.Valid(raw) || hasLoneSurrogate(raw) {
		return nil, &requestError{msg: what + " must be valid UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	notObject := &requestError{msg: what + " must be a JSON object"}
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, notObject
	}
	obj := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, notObject
		}
		name, _ := t.(string)
		if _, dup := obj[name]; dup {
			return nil, &requestError{msg: fmt.Sprintf("member %s appears twice", quoteShort(name))}
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, notObject
		}
		obj[name] = v
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, notObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &requestError{msg: what + " must hold one JSON object and nothing after it"}
	}
	return obj, nil
}

// hasLoneSurrogate reports whether JSON text holds a \uD800-\uDFFF escape
// that is not half of a surrogate pair.
func hasLoneSurrogate(raw []byte) bool {
	pendingHigh := false
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' || i+1 >= len(raw) {
			if pendingHigh {
				return true
			}
			continue
		}
		i++
		if raw[i] != 'u' || i+4 >= len(raw) {
			if pendingHigh {
				return true
			}
			continue
		}
		v, err := strconv.ParseUint(string(raw[i+1:i+5]), 16, 16)
		i += 4
		switch {
		case err != nil:
			return false // not JSON; the decoder says so
		case v >= 0xD800 && v < 0xDC00:
			if pendingHigh {
				return true
			}
			pendingHigh = true
		case v >= 0xDC00 && v < 0xE000:
			if !pendingHigh {
				return true
			}
			pendingHigh = false
		default:
			if pendingHigh {
				return true
			}
		}
	}
	return pendingHigh
}

func fieldNamed(fields []field, name string) (field, bool) {
	for _, f := range fields {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

// quoteShort quotes a client's text for an error message, cut to a
// readable length.
func quoteShort(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:40]) + "..."
	}
	return strconv.Quote(s)
}
