package main

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/driive/keyauth/apikey"
)

func TestBenchListenerIsReadOnly(t *testing.T) {
	var got apikey.Principal
	h := trustPathOrg(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = apikey.FromContext(r.Context())
	}))
	mux := http.NewServeMux()
	mux.Handle("/v1/organizations/{orgId}/contacts", h)
	for _, tt := range []struct {
		method string
		status int
	}{
		{http.MethodGet, http.StatusOK},
		{http.MethodHead, http.StatusOK},
		{http.MethodPost, http.StatusMethodNotAllowed},
		{http.MethodPatch, http.StatusMethodNotAllowed},
		{http.MethodDelete, http.StatusMethodNotAllowed},
	} {
		t.Run(tt.method, func(t *testing.T) {
			got = apikey.Principal{}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(tt.method, "/v1/organizations/acme/contacts", nil))
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			if tt.status == http.StatusOK && (got.OrgID != "acme" || got.Permission != apikey.Read) {
				t.Fatalf("principal %+v, want a read principal of acme", got)
			}
			if tt.status != http.StatusOK && got.OrgID != "" {
				t.Fatal("a refused method reached the handler")
			}
		})
	}
}
