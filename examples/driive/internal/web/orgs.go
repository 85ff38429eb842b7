package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/driive/keyauth/apikey"
)

// orgs is the organization switcher at /developer/api-keys: demo first,
// and a field for any other organization id. ?org=ID goes straight to
// that organization's API Keys page.
func (h *handler) orgs(w http.ResponseWriter, r *http.Request) {
	if !h.sessions.valid(sessionID(r)) {
		h.toSignIn(w, r)
		return
	}
	d := pageData{Title: "Organizations", Orgs: []string{demoOrg}}
	if r.URL.Query().Has("org") {
		org := strings.TrimSpace(r.URL.Query().Get("org"))
		if apikey.ValidateOrgID(org) == nil {
			http.Redirect(w, r, "/organizations/"+url.PathEscape(org)+"/developer/api-keys", http.StatusSeeOther)
			return
		}
		d.Org = org
		d.Error = "An organization id is 1-64 letters, digits, “-” or “_”."
		h.render(w, http.StatusUnprocessableEntity, "orgs", d)
		return
	}
	h.render(w, http.StatusOK, "orgs", d)
}
