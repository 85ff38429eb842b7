package otelauth_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
	"github.com/driive/keyauth/middleware/otelauth"
	"github.com/driive/keyauth/store/memstore"
)

// TestRequestsByPath: with a Service inside, every authentication is
// counted by outcome and by the path that answered, and so is the
// duration sample; every point is reported, with zeros.
func TestRequestsByPath(t *testing.T) {
	r := newRig(t, false)
	ctx := context.Background()
	k, secret, err := r.svc.Create(ctx, apikey.CreateParams{OrgID: "acme", Name: "ci", Permission: apikey.Read})
	if err != nil {
		t.Fatal(err)
	}
	key := secret.Reveal()
	if err := r.svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	r.want(t, "cold", nil, key)
	r.want(t, "cached", nil, key)
	r.want(t, "cached again", nil, key)
	r.want(t, "another text under the cached id", apikey.ErrInvalidKey, keytest.WrongSecret(key))
	r.want(t, "not a key", apikey.ErrInvalidKey, "not-a-key")
	r.want(t, "unknown id", apikey.ErrInvalidKey, keytest.Forge(apikey.DefaultPrefix, ""))
	if _, err := r.svc.Revoke(ctx, "acme", k.ID); err != nil {
		t.Fatal(err)
	}
	r.want(t, "revoked", apikey.ErrKeyRevoked, key)
	if err := r.svc.Close(ctx); err != nil {
		t.Fatal(err)
	}
	r.want(t, "closed", apikey.ErrUnavailable, key)

	counts := map[string]float64{
		"ok,cold": 1, "ok,cached": 2,
		"invalid,cached": 1, "invalid,none": 1, "invalid,cold": 1,
		"revoked,cached": 1, "unavailable,none": 1,
	}
	got := r.collect(t)
	requests := got["keyauth.auth.requests"]
	if len(requests) != 8*2+2 {
		t.Errorf("%d points, want 18 (8 outcomes on 2 paths, and invalid and unavailable on none): %v", len(requests), requests)
	}
	for attrs, n := range requests {
		if n != counts[attrs] {
			t.Errorf("keyauth.auth.requests{%s} = %v, want %v", attrs, n, counts[attrs])
		}
	}
	for attrs, n := range counts {
		if _, ok := requests[attrs]; !ok {
			t.Errorf("keyauth.auth.requests{%s} missing, want %v", attrs, n)
		}
		// Options.DurationEvery is 1: every authentication is timed,
		// each one step of the clock.
		if d := got["keyauth.auth.duration"]; d[attrs] != n || !near(d["sum:"+attrs], n*0.001) {
			t.Errorf("keyauth.auth.duration{%s}: count %v, sum %v; want %v, %v", attrs, d[attrs], d["sum:"+attrs], n, n*0.001)
		}
	}
	if len(got["keyauth.auth.duration"]) != 2*len(counts) {
		t.Errorf("duration points %v, want those of %v", got["keyauth.auth.duration"], counts)
	}
}

// pathFunc is an Authenticator that says which path answered.
type pathFunc func() apikey.Path

func (f pathFunc) Authenticate(context.Context, string) (apikey.Principal, error) {
	panic("Authenticate called on an Authenticator with AuthenticatePath")
}

func (f pathFunc) AuthenticatePath(context.Context, string) (apikey.Principal, apikey.Path, error) {
	return apikey.Principal{}, f(), nil
}

// TestUnknownPath: a path this package does not know counts as none.
func TestUnknownPath(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	auth, err := otelauth.WrapAuthenticator(pathFunc(func() apikey.Path { return 9 }), otelauth.Options{MeterProvider: mp})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, _ = auth.Authenticate(context.Background(), "dk_token")
	}
	if got := (&rig{reader: reader}).collect(t)["keyauth.auth.requests"]; got["ok,none"] != 2 {
		t.Errorf("requests %v, want ok,none 2", got)
	}
}

// TestColdPathSpans: each cold path is a span with the key id and the
// outcome, parent of its store read; the cached path makes none; a store
// failure is an error; key text appears nowhere.
func TestColdPathSpans(t *testing.T) {
	for _, orgIDs := range []bool{false, true} {
		fs := &flakyStore{Store: memstore.New()}
		r := newRigOn(t, fs, orgIDs, func(*apikey.Config) {})
		ctx := context.Background()
		var keys []string
		var ids []string
		for _, name := range []string{"a", "b", "c"} {
			k, s, err := r.svc.Create(ctx, apikey.CreateParams{OrgID: "acme", Name: name, Permission: apikey.Read})
			if err != nil {
				t.Fatal(err)
			}
			keys, ids = append(keys, s.Reveal()), append(ids, k.ID)
		}
		if err := r.svc.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		r.spans.Reset()
		for _, step := range []struct {
			token string
			err   error
		}{
			{keys[0], nil},                      // cold
			{keys[0], nil},                      // cached: no span
			{"not-a-key", apikey.ErrInvalidKey}, // no lookup: no span
			{keytest.WrongSecret(keys[1]), apikey.ErrInvalidKey},
		} {
			if _, err := r.auth.Authenticate(ctx, step.token); !errors.Is(err, step.err) {
				t.Fatalf("%v, want %v", err, step.err)
			}
		}
		fs.failGet.Store(true)
		if _, err := r.auth.Authenticate(ctx, keys[2]); !errors.Is(err, apikey.ErrUnavailable) {
			t.Fatalf("store down: %v", err)
		}

		type want struct {
			id, outcome, org string
			failed           bool
		}
		org := ""
		if orgIDs {
			org = "acme"
		}
		wants := []want{{ids[0], "ok", org, false}, {ids[1], "invalid", "", false}, {ids[2], "unavailable", "", true}}
		var cold []tracetest.SpanStub
		children := map[string]int{}
		spans := r.spans.GetSpans()
		for _, s := range spans {
			for _, k := range keys {
				if spanHolds(s, k[:20]) {
					t.Errorf("span %s holds key text", s.Name)
				}
			}
			if s.Name == "keyauth.authenticate.cold" {
				cold = append(cold, s)
			}
		}
		if len(cold) != len(wants) {
			t.Fatalf("OrgIDInSpans %v: %d cold spans, want %d", orgIDs, len(cold), len(wants))
		}
		for i, s := range cold {
			w := wants[i]
			if attr(s, otelauth.AttrKeyID) != w.id || attr(s, otelauth.AttrOutcome) != w.outcome || attr(s, otelauth.AttrOrgID) != w.org ||
				(s.Status.Code.String() == "Error") != w.failed || s.Parent.IsValid() {
				t.Errorf("OrgIDInSpans %v: span %d: key id %q, outcome %q, org %q, status %v, parent %v; want %+v",
					orgIDs, i, attr(s, otelauth.AttrKeyID), attr(s, otelauth.AttrOutcome), attr(s, otelauth.AttrOrgID), s.Status.Code, s.Parent.IsValid(), w)
			}
			for _, c := range spans {
				if c.Parent.SpanID() == s.SpanContext.SpanID() {
					children[c.Name+" "+attr(c, otelauth.AttrKeyID)]++
					if c.Name != "keyauth.store.Get" || attr(c, otelauth.AttrKeyID) != w.id {
						t.Errorf("span %d has child %s of key %s", i, c.Name, attr(c, otelauth.AttrKeyID))
					}
				}
			}
		}
		for i, id := range ids {
			if children["keyauth.store.Get "+id] != 1 {
				t.Errorf("cold span %d: store reads as children %v, want one of %s", i, children, id)
			}
		}
		if len(spans) != 2*len(wants) {
			t.Errorf("%d spans, want the %d cold paths and their reads", len(spans), len(wants))
		}
	}
}

// spanHolds reports whether any attribute or event of s holds text.
func spanHolds(s tracetest.SpanStub, text string) bool {
	for _, a := range s.Attributes {
		if strings.Contains(a.Value.String(), text) {
			return true
		}
	}
	for _, e := range s.Events {
		if strings.Contains(e.Name, text) {
			return true
		}
		for _, a := range e.Attributes {
			if strings.Contains(a.Value.String(), text) {
				return true
			}
		}
	}
	return strings.Contains(s.Status.Description, text)
}
