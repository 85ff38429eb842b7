package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/driive/keyauth/apikey"
)

func (h *handler) listKeys(w http.ResponseWriter, r *http.Request, sid string) {
	q := r.URL.Query()
	d := pageData{Title: "API Keys", Flash: h.sessions.takeFlash(sid)}
	status := http.StatusOK
	if err := h.loadPage(r, &d, q.Get("cursor"), q.Get("page")); err != nil {
		if !errors.Is(err, apikey.ErrInvalidArgument) {
			h.storeFailure(w, r, err)
			return
		}
		// A stale or hand-edited page link: show the first page instead.
		status = http.StatusBadRequest
		d.Error = "That page link is not valid any more; here is the first page."
		if err := h.loadPage(r, &d, "", ""); err != nil {
			h.storeFailure(w, r, err)
			return
		}
	}
	h.render(w, status, "keys", d)
}

// loadPage fills d with one page of the table.
func (h *handler) loadPage(r *http.Request, d *pageData, cursor, page string) error {
	res, err := h.svc.List(r.Context(), h.org, apikey.ListOptions{Limit: pageSize, Cursor: cursor})
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(page)
	if err != nil || n < 1 || cursor == "" {
		n = 1
	}
	now := h.now()
	d.SignedIn = true
	d.Keys = make([]keyRow, 0, len(res.Keys))
	for _, k := range res.Keys {
		d.Keys = append(d.Keys, rowOf(k, now))
	}
	d.PageNum = n
	d.Return = returnTo{Cursor: cursor, Page: n}
	if res.NextCursor != "" {
		d.NextURL = keysPath + "?" + url.Values{"cursor": {res.NextCursor}, "page": {strconv.Itoa(n + 1)}}.Encode()
	}
	if cursor != "" {
		// The Service pages forward only; "back" returns to the start.
		d.PrevURL = keysPath
	}
	d.APIURL = apiURL(r, h.org)
	d.Form = h.emptyForm()
	return nil
}

// apiURL is the example request shown in the usage card. The host comes
// from the request only to be displayed; nothing is decided on it.
func apiURL(r *http.Request, org string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/v1/organizations/" + url.PathEscape(org) + "/appointments"
}

func (h *handler) emptyForm() createForm {
	f := createForm{Permission: "read"}
	f.MinDate, f.MaxDate = h.dateBounds()
	return f
}

// maxExpiry is how far ahead an expiration date may be set. Far-future
// dates add nothing over "never" and some databases cannot store them.
const maxExpiry = 10 * 365 * 24 * time.Hour

// dateBounds returns the first and last expiration dates the form accepts,
// as YYYY-MM-DD in UTC.
func (h *handler) dateBounds() (string, string) {
	now := h.now().UTC()
	return now.Format(time.DateOnly), now.Add(maxExpiry).Format(time.DateOnly)
}

func (h *handler) newKeyForm(w http.ResponseWriter, r *http.Request, _ string) {
	h.render(w, http.StatusOK, "new", pageData{Title: "Create API Key", SignedIn: true, Form: h.emptyForm()})
}

// createKey creates a key and answers with the page that shows it, once.
// The key is rendered straight into this response (no redirect), so it is
// never in a URL, a cookie or server-side state; no-store keeps it out of
// caches and the back-forward history's disk copy.
func (h *handler) createKey(w http.ResponseWriter, r *http.Request, _ string) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	form := h.emptyForm()
	if err := r.ParseForm(); err != nil {
		h.render(w, http.StatusBadRequest, "new", pageData{Title: "Create API Key", SignedIn: true, Form: form,
			Error: "The form could not be read. Please try again."})
		return
	}
	form.Name = strings.TrimSpace(r.PostForm.Get("name"))
	form.Permission = r.PostForm.Get("permission")
	form.Expires = strings.TrimSpace(r.PostForm.Get("expires"))
	params, ok := h.validate(&form)
	if !ok {
		h.render(w, http.StatusUnprocessableEntity, "new", pageData{Title: "Create API Key", SignedIn: true, Form: form})
		return
	}
	key, secret, err := h.svc.Create(r.Context(), params)
	if errors.Is(err, apikey.ErrInvalidArgument) {
		// validate mirrors the Service's rules; this catches a rule it
		// missed (or a clock tick past a same-day expiry).
		form.NameErr = "The key could not be created: " + strings.TrimPrefix(err.Error(), apikey.ErrInvalidArgument.Error()+": ") + "."
		h.render(w, http.StatusUnprocessableEntity, "new", pageData{Title: "Create API Key", SignedIn: true, Form: form})
		return
	}
	if err != nil {
		h.storeFailure(w, r, err)
		return
	}
	h.log.Info("api key created", "org_id", key.OrgID, "key_id", key.ID, "prefix", key.Prefix,
		"permission", key.Permission.String(), "remote_addr", r.RemoteAddr)

	d := pageData{Title: "API Keys"}
	if err := h.loadPage(r, &d, "", ""); err != nil {
		h.storeFailure(w, r, err)
		return
	}
	row := rowOf(key, h.now())
	row.New = true
	d.NewKey = &newKey{Plaintext: secret.Reveal(), Row: row}
	for i := range d.Keys {
		d.Keys[i].New = d.Keys[i].ID == key.ID
	}
	h.render(w, http.StatusCreated, "keys", d)
}

// validate checks the form as the Service will, so that mistakes come back
// as messages beside their fields.
func (h *handler) validate(f *createForm) (apikey.CreateParams, bool) {
	p := apikey.CreateParams{OrgID: h.org, Name: f.Name}
	switch n := utf8.RuneCountInString(f.Name); {
	case n == 0:
		f.NameErr = "Enter a name for the key."
	case n > 100 || !utf8.ValidString(f.Name):
		f.NameErr = "Use at most 100 characters."
	case strings.IndexFunc(f.Name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
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
		now := h.now()
		// Like the CLI's YYYY-MM-DD: the key works through that day (UTC)
		// and expires at 00:00:00Z the next day.
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

func (h *handler) revokeForm(w http.ResponseWriter, r *http.Request, sid string) {
	k, err := h.svc.Get(r.Context(), h.org, r.PathValue("id"))
	if err != nil {
		h.keyLookupFailure(w, r, err)
		return
	}
	if k.Revoked() {
		h.sessions.setFlash(sid, "The key “"+k.Name+"” ("+k.Prefix+"…) was already revoked.")
		http.Redirect(w, r, keysPath, http.StatusSeeOther)
		return
	}
	row := rowOf(k, h.now())
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	h.render(w, http.StatusOK, "revoke", pageData{Title: "Revoke API Key", SignedIn: true, Revoke: &row,
		Return: returnTo{Cursor: q.Get("cursor"), Page: page}})
}

func (h *handler) revokeKey(w http.ResponseWriter, r *http.Request, sid string) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.renderError(w, http.StatusBadRequest, "Bad request", "The form could not be read. Please try again.")
		return
	}
	k, err := h.svc.Revoke(r.Context(), h.org, r.PathValue("id"))
	if err != nil {
		h.keyLookupFailure(w, r, err)
		return
	}
	h.log.Info("api key revoked", "org_id", k.OrgID, "key_id", k.ID, "prefix", k.Prefix, "remote_addr", r.RemoteAddr)
	h.sessions.setFlash(sid, "Revoked “"+k.Name+"” ("+k.Prefix+"…). Requests with this key are now refused.")
	back := keysPath
	if c := r.PostForm.Get("cursor"); c != "" {
		back += "?" + url.Values{"cursor": {c}, "page": {r.PostForm.Get("page")}}.Encode()
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// keyLookupFailure answers for a key the Service would not find.
func (h *handler) keyLookupFailure(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, apikey.ErrNotFound) || errors.Is(err, apikey.ErrInvalidArgument) {
		h.renderError(w, http.StatusNotFound, "Key not found", "There is no such key in this organization. It may have been deleted, or the link is wrong.")
		return
	}
	h.storeFailure(w, r, err)
}

// storeFailure answers 503 when the key store cannot be reached: the admin
// can retry, and nothing about the failure reaches the page.
func (h *handler) storeFailure(w http.ResponseWriter, r *http.Request, err error) {
	h.log.Error("developer page: key store failure", "path", r.URL.Path, "err", err)
	h.renderError(w, http.StatusServiceUnavailable, "Keys are unavailable", "The key store could not be reached. Please try again in a moment.")
}

func (h *handler) renderError(w http.ResponseWriter, status int, title, msg string) {
	h.render(w, status, "error", pageData{Title: title, SignedIn: true, ErrTitle: title, Error: msg, Status: status})
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	d := pageData{Title: "Page not found", SignedIn: h.sessions.valid(sessionID(r)), ErrTitle: "Page not found",
		Error: "There is nothing at this address.", Status: http.StatusNotFound}
	h.render(w, http.StatusNotFound, "error", d)
}

func (h *handler) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	h.log.Warn("developer page: cross-origin request refused", "method", r.Method, "path", r.URL.Path, "remote_addr", r.RemoteAddr)
	d := pageData{Title: "Request refused", SignedIn: h.sessions.valid(sessionID(r)), ErrTitle: "Request refused",
		Error: "This form was sent from another site, so it was refused. Open the API Keys page and try again there.", Status: http.StatusForbidden}
	h.render(w, http.StatusForbidden, "error", d)
}
