package main

import (
	"errors"
	"net/http"
)

// appointmentJSON is an appointment as the API shows it.
type appointmentJSON struct {
	ID        string  `json:"id"`
	Title     string  `json:"title"`
	StartsAt  string  `json:"starts_at"`
	EndsAt    string  `json:"ends_at"`
	ContactID *string `json:"contact_id"`
	Notes     *string `json:"notes"`
	CreatedAt string  `json:"created_at"`
	UpdatedAt string  `json:"updated_at"`
}

func (a appointment) view() appointmentJSON {
	return appointmentJSON{
		ID: a.ID, Title: a.Title, StartsAt: apiTime(a.StartsAt), EndsAt: apiTime(a.EndsAt),
		ContactID: a.ContactID, Notes: a.Notes,
		CreatedAt: apiTime(a.CreatedAt), UpdatedAt: apiTime(a.UpdatedAt),
	}
}

var appointmentMembers = []string{"id", "title", "starts_at", "ends_at", "contact_id", "notes", "created_at", "updated_at"}

// errRulesBroken aborts a transaction whose body broke a rule.
var errRulesBroken = errors.New("validation failed")

// applyAppointment applies a request body to a (POST when creating, else
// JSON merge patch) and returns the broken rules. Whether contact_id names
// a contact is checked in the database, in the same transaction as the
// write.
func applyAppointment(b body, a *appointment, creating bool) []fieldError {
	var r rules
	r.readOnly(b, "id", "created_at", "updated_at")
	r.text(b, "title", 200, creating, &a.Title)
	r.instant(b, "starts_at", creating, &a.StartsAt)
	r.instant(b, "ends_at", creating, &a.EndsAt)
	r.optText(b, "contact_id", 64, nil, &a.ContactID)
	r.optText(b, "notes", 10000, nil, &a.Notes)
	if r.ok() && !a.EndsAt.After(a.StartsAt) {
		r.fail("ends_at", "must be after starts_at")
	}
	return r.errs
}

var unknownContact = []fieldError{{"contact_id", "names no contact of this organization"}}

func (s *server) listAppointments(w http.ResponseWriter, r *http.Request) {
	org := orgOf(r)
	p, err := s.cursors.parsePage(r, "appointments", org)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, codeInvalidRequest, err.Error())
		return
	}
	rows, err := s.db.listAppointments(r.Context(), org, p.after, p.limit+1)
	if err != nil {
		s.internalError(w, r, "listing appointments", err)
		return
	}
	writeJSON(w, http.StatusOK, pageOf(s.cursors, "appointments", org, p, rows,
		func(a appointment) int64 { return a.seq }, appointment.view))
}

func (s *server) createAppointment(w http.ResponseWriter, r *http.Request) {
	b, err := decodeBody(w, r, appointmentMembers...)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, codeInvalidRequest, err.Error())
		return
	}
	now := s.now()
	a := appointment{ID: newID("ap_"), OrgID: orgOf(r), CreatedAt: now, UpdatedAt: now}
	if errs := applyAppointment(b, &a, true); len(errs) > 0 {
		validationFailed(w, errs)
		return
	}
	err = s.db.insertAppointment(r.Context(), &a)
	switch {
	case errors.Is(err, errUnknownContact):
		validationFailed(w, unknownContact)
	case err != nil:
		s.internalError(w, r, "creating an appointment", err)
	default:
		w.Header().Set("Location", r.URL.Path+"/"+a.ID)
		writeJSON(w, http.StatusCreated, a.view())
	}
}

func (s *server) getAppointment(w http.ResponseWriter, r *http.Request) {
	a, err := s.db.getAppointment(r.Context(), orgOf(r), r.PathValue("id"))
	if errors.Is(err, errNoRow) {
		notFound(w)
		return
	}
	if err != nil {
		s.internalError(w, r, "reading an appointment", err)
		return
	}
	writeJSON(w, http.StatusOK, a.view())
}

func (s *server) patchAppointment(w http.ResponseWriter, r *http.Request) {
	b, err := decodeBody(w, r, appointmentMembers...)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, codeInvalidRequest, err.Error())
		return
	}
	var errs []fieldError
	a, err := s.db.updateAppointment(r.Context(), orgOf(r), r.PathValue("id"), func(a *appointment) error {
		if errs = applyAppointment(b, a, false); len(errs) > 0 {
			return errRulesBroken
		}
		a.UpdatedAt = s.now()
		return nil
	})
	switch {
	case errors.Is(err, errNoRow):
		notFound(w)
	case errors.Is(err, errRulesBroken):
		validationFailed(w, errs)
	case errors.Is(err, errUnknownContact):
		validationFailed(w, unknownContact)
	case err != nil:
		s.internalError(w, r, "updating an appointment", err)
	default:
		writeJSON(w, http.StatusOK, a.view())
	}
}

func (s *server) deleteAppointment(w http.ResponseWriter, r *http.Request) {
	err := s.db.deleteAppointment(r.Context(), orgOf(r), r.PathValue("id"))
	switch {
	case errors.Is(err, errNoRow):
		notFound(w)
	case err != nil:
		s.internalError(w, r, "deleting an appointment", err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}
