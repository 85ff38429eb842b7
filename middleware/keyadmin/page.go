package keyadmin

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/driive/keyauth/apikey"
)

// pageSize is the number of keys per page of the table, and of events in
// the activity list.
const pageSize = 20

// maxFormBytes bounds a form body: the largest legitimate one is a
// 100-character name, a date and a return address.
const maxFormBytes = 16 << 10

// maxExpiry is how far ahead an expiry may be set. Far-future dates add
// nothing over "never" and some databases cannot store them.
const maxExpiry = 10 * 365 * 24 * time.Hour

type pageRoute struct {
	action Action
	serve  func(w http.ResponseWriter, r *http.Request, rq request, d pageData)
}

func (h *Handler) pageRoutes(method string, rest []string) (pageRoute, bool) {
	get := method == http.MethodGet || method == http.MethodHead
	post := method == http.MethodPost
	switch {
	case len(rest) == 0 && get:
		return pageRoute{View, h.listPage}, true
	case len(rest) == 0 && post:
		return pageRoute{Create, h.createKey}, true
	case len(rest) == 1 && rest[0] == "new" && get:
		return pageRoute{Create, h.newKeyForm}, true
	case len(rest) == 1 && rest[0] == "activity" && get:
		return pageRoute{View, h.activityPage}, true
	case len(rest) == 2 && rest[1] == "revoke" && get:
		return pageRoute{Revoke, h.revokeForm}, true
	case len(rest) == 2 && rest[1] == "revoke" && post:
		return pageRoute{Revoke, h.revokeKey}, true
	case len(rest) == 2 && rest[1] == "rotate" && get:
		return pageRoute{Rotate, h.rotateForm}, true
	case len(rest) == 2 && rest[1] == "rotate" && post:
		return pageRoute{Rotate, h.rotateKey}, true
	}
	return pageRoute{}, false
}

// servePage runs the checks in a fixed order: assets need nothing; then
// same origin for a change (403), organization (404), actor (the host's
// sign-in), route (404), right (403).
func (h *Handler) servePage(w http.ResponseWriter, r *http.Request, rq request) {
	if len(rq.rest) == 2 && rq.rest[0] == "assets" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		h.assets.ServeHTTP(w, r, rq.rest[1])
		return
	}
	d := pageData{Org: rq.org, Base: rq.base}
	if err := h.cop.Check(r); err != nil {
		h.cfg.Logger.Warn("keyadmin: cross-origin request refused", "method", r.Method, "remote_addr", r.RemoteAddr)
		h.renderError(w, d, http.StatusForbidden, "Request refused",
			"This form was sent from another site, so it was refused. Open the API Keys page and try again there.")
		return
	}
	if rq.org == "" {
		h.renderError(w, d, http.StatusNotFound, "Page not found", "There is no such organization.")
		return
	}
	a, ok := h.cfg.Actor(r)
	if !ok {
		if h.cfg.SignIn != nil {
			w.Header().Set("Cache-Control", "no-store")
			h.cfg.SignIn.ServeHTTP(w, r)
			return
		}
		h.renderError(w, d, http.StatusUnauthorized, "Sign in required", "Sign in to manage the API keys of this organization.")
		return
	}
	d.Actor, d.SignedIn = a, true
	route, ok := h.pageRoutes(r.Method, rq.rest)
	if !ok {
		h.renderError(w, d, http.StatusNotFound, "Page not found", "There is nothing at this address.")
		return
	}
	if !h.cfg.Authorize(r.Context(), a, rq.org, route.action) {
		h.renderError(w, d, http.StatusForbidden, "Not allowed",
			"You may not "+string(route.action)+" the API keys of this organization.")
		return
	}
	if route.action == View {
		d.Can = rights{
			Create: h.cfg.Authorize(r.Context(), a, rq.org, Create),
			Rotate: h.cfg.Authorize(r.Context(), a, rq.org, Rotate),
			Revoke: h.cfg.Authorize(r.Context(), a, rq.org, Revoke),
		}
	}
	route.serve(w, h.actorContext(r, a), rq, d)
}

// listState is where in the table a request is: page, cursor, and whether
// revoked keys are hidden. It travels in the query string and, through
// forms, in a "back" field.
type listState struct {
	Cursor      string
	Page        int
	HideRevoked bool
}

func stateOf(q url.Values) listState {
	s := listState{Cursor: q.Get("cursor"), HideRevoked: q.Get("revoked") == "hide"}
	s.Page, _ = strconv.Atoi(q.Get("page"))
	if s.Page < 1 || s.Cursor == "" {
		s.Page = 1
	}
	return s
}

func (s listState) query() string {
	v := url.Values{}
	if s.Cursor != "" {
		v.Set("cursor", s.Cursor)
		v.Set("page", strconv.Itoa(s.Page))
	}
	if s.HideRevoked {
		v.Set("revoked", "hide")
	}
	return v.Encode()
}

func withQuery(path, q string) string {
	if q == "" {
		return path
	}
	return path + "?" + q
}

// backState reads the "back" field of a form: a query string of the list.
func backState(r *http.Request) listState {
	q, _ := url.ParseQuery(r.PostForm.Get("back"))
	return stateOf(q)
}

func (h *Handler) listPage(w http.ResponseWriter, r *http.Request, rq request, d pageData) {
	q := r.URL.Query()
	d.Title = "API Keys"
	st := stateOf(q)
	status := http.StatusOK
	if err := h.loadList(r, rq, &d, st); err != nil {
		if !errors.Is(err, apikey.ErrInvalidArgument) {
			h.storeFailure(w, r, d, err)
			return
		}
		// A stale or hand-edited page link: show the first page instead.
		status = http.StatusBadRequest
		d.Error = "That page link is not valid any more; here is the first page."
		if err := h.loadList(r, rq, &d, listState{HideRevoked: st.HideRevoked, Page: 1}); err != nil {
			h.storeFailure(w, r, d, err)
			return
		}
	}
	if err := h.loadEvents(r, rq, &d, "", 5); err != nil {
		h.storeFailure(w, r, d, err)
		return
	}
	// The flash is taken last: a page that fails to load leaves it for
	// the retry.
	if tok := q.Get("flash"); tok != "" {
		f, ok := h.flash.take(w, r, rq.base, tok, d.Actor.ID, rq.org)
		switch {
		case !ok:
			d.Gone = true
		case f.notice != "":
			d.Notice = f.notice
		default:
			row := rowOf(f.key, h.cfg.Now())
			row.New = true
			d.NewKey = &newKey{Plaintext: f.text.reveal(), Row: row, Replaces: f.replaces}
			for i := range d.Keys {
				d.Keys[i].New = d.Keys[i].ID == row.ID
			}
		}
	}
	h.render(w, status, "keys", d)
}

// loadList fills d with one page of the table.
func (h *Handler) loadList(r *http.Request, rq request, d *pageData, st listState) error {
	res, err := h.svc.List(r.Context(), rq.org, apikey.ListOptions{Limit: pageSize, Cursor: st.Cursor})
	if err != nil {
		return err
	}
	now := h.cfg.Now()
	d.Keys = d.Keys[:0]
	for _, k := range res.Keys {
		if st.HideRevoked && k.Revoked() {
			continue
		}
		d.Keys = append(d.Keys, rowOf(k, now))
	}
	d.PageNum = st.Page
	d.HideRevoked = st.HideRevoked
	d.Back = st.query()
	if res.NextCursor != "" {
		next := st
		next.Cursor, next.Page = res.NextCursor, st.Page+1
		d.NextURL = withQuery(rq.base, next.query())
	}
	if st.Cursor != "" {
		// The Service pages forward only; "back" returns to the start.
		d.PrevURL = withQuery(rq.base, listState{HideRevoked: st.HideRevoked}.query())
	}
	toggle := st
	toggle.HideRevoked = !st.HideRevoked
	d.ToggleURL = withQuery(rq.base, toggle.query())
	d.Form = h.emptyForm(d.Back)
	d.ActivityURL = rq.base + "/activity"
	return nil
}

func (h *Handler) emptyForm(back string) createForm {
	now := h.cfg.Now().UTC()
	return createForm{Permission: "read", Back: back,
		MinDate: now.Format(time.DateOnly), MaxDate: now.Add(maxExpiry).Format(time.DateOnly)}
}

func (h *Handler) newKeyForm(w http.ResponseWriter, r *http.Request, rq request, d pageData) {
	d.Title = "Create API Key"
	d.Form = h.emptyForm(r.URL.Query().Get("back"))
	h.render(w, http.StatusOK, "new", d)
}

// createKey creates a key, keeps it in a one-time flash and redirects to
// the list that shows it (POST-redirect-GET): a reload shows the list, not
// a second key.
func (h *Handler) createKey(w http.ResponseWriter, r *http.Request, rq request, d pageData) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	d.Title = "Create API Key"
	d.Form = h.emptyForm("")
	if err := r.ParseForm(); err != nil {
		d.Error = "The form could not be read. Please try again."
		h.render(w, http.StatusBadRequest, "new", d)
		return
	}
	f := &d.Form
	f.Back = r.PostForm.Get("back")
	f.Name = strings.TrimSpace(r.PostForm.Get("name"))
	f.Permission = r.PostForm.Get("permission")
	f.Expires = strings.TrimSpace(r.PostForm.Get("expires"))
	params, ok := h.validate(rq.org, f)
	if !ok {
		h.render(w, http.StatusUnprocessableEntity, "new", d)
		return
	}
	key, secret, err := h.svc.Create(r.Context(), params)
	if errors.Is(err, apikey.ErrInvalidArgument) {
		// validate mirrors the Service's rules; this catches a rule it
		// missed (or a clock tick past a same-day expiry).
		f.NameErr = "The key could not be created: " + serviceReason(err) + "."
		h.render(w, http.StatusUnprocessableEntity, "new", d)
		return
	}
	if err != nil {
		h.storeFailure(w, r, d, err)
		return
	}
	h.showFlash(w, r, rq, d, backState(r), flash{actor: d.Actor.ID, org: rq.org, key: key, text: newKeyText(secret)})
}

// showFlash keeps f in a one-time flash and redirects to the list at st
// that shows it.
func (h *Handler) showFlash(w http.ResponseWriter, r *http.Request, rq request, d pageData, st listState, f flash) {
	tok, err := h.flash.put(w, r, rq.base, f)
	if err != nil {
		// Never for a key the Service returned; the key exists, unseen.
		h.cfg.Logger.Error("keyadmin: sealing a flash failed", "err", err)
		h.renderError(w, d, http.StatusInternalServerError, "Not shown",
			"The change was made, but its result could not be shown. Rotate or revoke the key from the list.")
		return
	}
	h.seeOther(w, r, rq.base, st, tok)
}

// seeOther redirects to the list at st, with a flash token.
func (h *Handler) seeOther(w http.ResponseWriter, r *http.Request, base string, st listState, tok string) {
	q := st.query()
	if q != "" {
		q += "&"
	}
	q += "flash=" + url.QueryEscape(tok)
	if !strings.HasPrefix(base, "/") || strings.HasPrefix(base, "//") || strings.HasPrefix(base, "/\\") {
		base = "/" + strings.TrimLeft(base, "/\\") // never another host, whatever the path held
	}
	// #nosec G710 -- base is this handler's own mount path, made local above
	http.Redirect(w, r, base+"?"+q, http.StatusSeeOther)
}

// validate checks the form as the Service will, so that mistakes come back
// as messages beside their fields.
func (h *Handler) validate(org string, f *createForm) (apikey.CreateParams, bool) {
	p := apikey.CreateParams{OrgID: org, Name: f.Name}
	switch msg := nameProblem(f.Name); msg {
	case "":
	case "must not be empty":
		f.NameErr = "Enter a name for the key."
	case "must be at most 100 characters":
		f.NameErr = "Use at most 100 characters."
	default:
		f.NameErr = "Use letters, digits, spaces and punctuation only."
	}
	perm, err := apikey.ParsePermission(f.Permission)
	if err != nil {
		f.PermissionErr = "Choose Read or Write."
		f.Permission = ""
	}
	p.Permission = perm
	if f.Expires != "" {
		day, err := time.Parse(time.DateOnly, f.Expires)
		now := h.cfg.Now()
		// Like the CLI's YYYY-MM-DD: the key works through that day (UTC)
		// and stops at 00:00 UTC the next day.
		end := day.AddDate(0, 0, 1)
		switch {
		case err != nil:
			f.ExpiresErr = "Enter a date as YYYY-MM-DD."
		case !end.After(now):
			f.ExpiresErr = "Choose today or a later date: this one has passed."
		case end.After(now.Add(maxExpiry + 24*time.Hour)):
			f.ExpiresErr = "Choose a date within 10 years, or leave it empty for a key that never expires."
		default:
			p.ExpiresAt = end
		}
	}
	return p, !f.HasErrors()
}

// target reads the key of a revoke or rotate route.
func (h *Handler) target(w http.ResponseWriter, r *http.Request, rq request, d pageData) (apikey.Key, bool) {
	k, err := h.svc.Get(r.Context(), rq.org, rq.rest[0])
	if err != nil {
		h.keyFailure(w, r, d, err)
		return apikey.Key{}, false
	}
	return k, true
}

func (h *Handler) revokeForm(w http.ResponseWriter, r *http.Request, rq request, d pageData) {
	k, ok := h.target(w, r, rq, d)
	if !ok {
		return
	}
	st := stateOf(r.URL.Query())
	if k.Revoked() {
		h.showFlash(w, r, rq, d, st, flash{actor: d.Actor.ID, org: rq.org, notice: "The key “" + k.Name + "” (" + k.Prefix + "…) was already revoked."})
		return
	}
	row := rowOf(k, h.cfg.Now())
	d.Title, d.Target, d.Back = "Revoke API Key", &row, st.query()
	h.render(w, http.StatusOK, "revoke", d)
}

func (h *Handler) revokeKey(w http.ResponseWriter, r *http.Request, rq request, d pageData) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.renderError(w, d, http.StatusBadRequest, "Bad request", "The form could not be read. Please try again.")
		return
	}
	k, err := h.svc.Revoke(r.Context(), rq.org, rq.rest[0])
	if err != nil {
		h.keyFailure(w, r, d, err)
		return
	}
	h.showFlash(w, r, rq, d, backState(r), flash{actor: d.Actor.ID, org: rq.org,
		notice: "Revoked “" + k.Name + "” (" + k.Prefix + "…). Requests with this key are now refused."})
}

// graces are the rotate form's choices: how long the old key keeps
// working.
var graces = []struct{ Value, Label string }{
	{"0s", "End the old key now"},
	{"1h", "1 hour"},
	{"24h", "24 hours"},
	{"168h", "7 days"},
}

func (h *Handler) rotateForm(w http.ResponseWriter, r *http.Request, rq request, d pageData) {
	k, ok := h.target(w, r, rq, d)
	if !ok {
		return
	}
	row := rowOf(k, h.cfg.Now())
	d.Title, d.Target, d.Back, d.Grace = "Rotate API Key", &row, stateOf(r.URL.Query()).query(), "24h"
	h.render(w, http.StatusOK, "rotate", d)
}

func (h *Handler) rotateKey(w http.ResponseWriter, r *http.Request, rq request, d pageData) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.renderError(w, d, http.StatusBadRequest, "Bad request", "The form could not be read. Please try again.")
		return
	}
	grace, err := time.ParseDuration(r.PostForm.Get("grace"))
	known := false
	for _, g := range graces {
		known = known || g.Value == r.PostForm.Get("grace")
	}
	if err != nil || !known {
		k, ok := h.target(w, r, rq, d)
		if !ok {
			return
		}
		row := rowOf(k, h.cfg.Now())
		d.Title, d.Target, d.Back, d.Grace = "Rotate API Key", &row, r.PostForm.Get("back"), "24h"
		d.Error = "Choose how long the old key keeps working."
		h.render(w, http.StatusUnprocessableEntity, "rotate", d)
		return
	}
	old, err := h.svc.Get(r.Context(), rq.org, rq.rest[0])
	if err != nil {
		h.keyFailure(w, r, d, err)
		return
	}
	key, secret, err := h.svc.Rotate(r.Context(), apikey.RotateParams{OrgID: rq.org, ID: old.ID, Grace: grace})
	if err != nil {
		h.keyFailure(w, r, d, err)
		return
	}
	h.showFlash(w, r, rq, d, backState(r), flash{actor: d.Actor.ID, org: rq.org, key: key, text: newKeyText(secret), replaces: old.Prefix})
}

// keyFailure answers for a key the Service would not find or change.
func (h *Handler) keyFailure(w http.ResponseWriter, r *http.Request, d pageData, err error) {
	switch {
	case errors.Is(err, apikey.ErrNotFound) || errors.Is(err, apikey.ErrInvalidArgument):
		h.renderError(w, d, http.StatusNotFound, "Key not found",
			"There is no such key in this organization. It may have been deleted, or the link is wrong.")
	case errors.Is(err, apikey.ErrKeyRevoked):
		h.renderError(w, d, http.StatusConflict, "Key revoked", "This key is revoked, so it cannot be rotated. Create a new key instead.")
	case errors.Is(err, apikey.ErrKeyExpired):
		h.renderError(w, d, http.StatusConflict, "Key expired", "This key has expired, so it cannot be rotated. Create a new key instead.")
	case errors.Is(err, errAlreadyRotated):
		h.renderError(w, d, http.StatusConflict, "Key already rotated",
			"This key was already replaced by a new one. Rotate the replacement instead, or revoke this key to end it now.")
	default:
		h.storeFailure(w, r, d, err)
	}
}

// storeFailure answers 503 when the key store cannot be reached: the
// actor can retry, and nothing about the failure reaches the page.
func (h *Handler) storeFailure(w http.ResponseWriter, r *http.Request, d pageData, err error) {
	h.cfg.Logger.Error("keyadmin: key store failure", "method", r.Method, "err", err)
	w.Header().Set("Retry-After", "2")
	h.renderError(w, d, http.StatusServiceUnavailable, "Keys are unavailable", "The key store could not be reached. Please try again in a moment.")
}
