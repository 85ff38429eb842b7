package main

import (
	"errors"
	"net/http"
	"net/mail"
	"time"
)

// contactJSON is a contact as the API shows it.
type contactJSON struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Email     *string `json:"email"`
	Phone     *string `json:"phone"`
	CreatedAt string  `json:"created_at"`
	UpdatedAt string  `json:"updated_at"`
}

func (c contact) view() contactJSON {
	return contactJSON{
		ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone,
		CreatedAt: apiTime(c.CreatedAt), UpdatedAt: apiTime(c.UpdatedAt),
	}
}

// apiTime writes times as RFC 3339 in UTC, with a Z.
func apiTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

var contactMembers = []string{"id", "name", "email", "phone", "created_at", "updated_at"}

// applyContact applies a request body to c (POST when creating, else JSON
// merge patch) and returns the broken rules.
func applyContact(b body, c *contact, creating bool) []fieldError {
	var r rules
	r.readOnly(b, "id", "created_at", "updated_at")
	r.text(b, "name", 200, creating, &c.Name)
	r.optText(b, "email", 254, checkEmail, &c.Email)
	r.optText(b, "phone", 32, checkPhone, &c.Phone)
	return r.errs
}

func checkEmail(s string) string {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return "must be an email address, like ada@example.com"
	}
	return ""
}

func checkPhone(s string) string {
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			digits++
		case c == '+' && i == 0, c == ' ', c == '-', c == '(', c == ')', c == '.':
		default:
			return "must be a phone number: digits, spaces, + - ( ) ."
		}
	}
	if digits < 3 {
		return "must be a phone number with at least 3 digits"
	}
	return ""
}

func (s *server) listContacts(w http.ResponseWriter, r *http.Request) {
	org := orgOf(r)
	p, err := s.cursors.parsePage(r, "contacts", org)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, codeInvalidRequest, err.Error())
		return
	}
	rows, err := s.db.listContacts(r.Context(), org, p.after, p.limit+1)
	if err != nil {
		s.internalError(w, r, "listing contacts", err)
		return
	}
	writeJSON(w, http.StatusOK, pageOf(s.cursors, "contacts", org, p, rows,
		func(c contact) int64 { return c.seq }, contact.view))
}

func (s *server) createContact(w http.ResponseWriter, r *http.Request) {
	b, err := decodeBody(w, r, contactMembers...)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, codeInvalidRequest, err.Error())
		return
	}
	now := s.now()
	c := contact{ID: newID("ct_"), OrgID: orgOf(r), CreatedAt: now, UpdatedAt: now}
	if errs := applyContact(b, &c, true); len(errs) > 0 {
		validationFailed(w, errs)
		return
	}
	if err := s.db.insertContact(r.Context(), &c); err != nil {
		s.internalError(w, r, "creating a contact", err)
		return
	}
	w.Header().Set("Location", r.URL.Path+"/"+c.ID)
	writeJSON(w, http.StatusCreated, c.view())
}

func (s *server) getContact(w http.ResponseWriter, r *http.Request) {
	c, err := s.db.getContact(r.Context(), orgOf(r), r.PathValue("id"))
	if errors.Is(err, errNoRow) {
		notFound(w)
		return
	}
	if err != nil {
		s.internalError(w, r, "reading a contact", err)
		return
	}
	writeJSON(w, http.StatusOK, c.view())
}

func (s *server) patchContact(w http.ResponseWriter, r *http.Request) {
	b, err := decodeBody(w, r, contactMembers...)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, codeInvalidRequest, err.Error())
		return
	}
	var errs []fieldError
	c, err := s.db.updateContact(r.Context(), orgOf(r), r.PathValue("id"), func(c *contact) error {
		if errs = applyContact(b, c, false); len(errs) > 0 {
			return errRulesBroken
		}
		c.UpdatedAt = s.now()
		return nil
	})
	switch {
	case errors.Is(err, errNoRow):
		notFound(w)
	case errors.Is(err, errRulesBroken):
		validationFailed(w, errs)
	case err != nil:
		s.internalError(w, r, "updating a contact", err)
	default:
		writeJSON(w, http.StatusOK, c.view())
	}
}

func (s *server) deleteContact(w http.ResponseWriter, r *http.Request) {
	err := s.db.deleteContact(r.Context(), orgOf(r), r.PathValue("id"), s.now())
	switch {
	case errors.Is(err, errNoRow):
		notFound(w)
	case err != nil:
		s.internalError(w, r, "deleting a contact", err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}
