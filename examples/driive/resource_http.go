package main

import (
	"errors"
	"net/http"
)

// mount serves res under /v1/organizations/{orgId}/: GET (list) and POST
// on the collection, GET, PATCH and DELETE on /{id}. api adds an
// authenticated route.
func mount[T any](s *server, mux *http.ServeMux, api func(string, http.HandlerFunc), res *resource[T]) {
	coll := "/v1/organizations/{orgId}/" + res.path
	api("GET "+coll, func(w http.ResponseWriter, r *http.Request) {
		p, err := s.cursors.parsePage(r, res.path, orgOf(r))
		if err != nil {
			s.answerError(w, r, "listing "+res.path, err)
			return
		}
		page, err := res.list(r.Context(), s.db, s.cursors, orgOf(r), p)
		s.answer(w, r, "listing "+res.path, http.StatusOK, page, err)
	})
	api("POST "+coll, func(w http.ResponseWriter, r *http.Request) {
		b, err := s.requestBody(w, r, res.fields)
		if err == nil {
			var v T
			if v, err = res.create(r.Context(), s.db, orgOf(r), b, s.now()); err == nil {
				w.Header().Set("Location", r.URL.Path+"/"+res.table.base(&v).ID)
				s.answer(w, r, "", http.StatusCreated, res.view(v), nil)
				return
			}
		}
		s.answerError(w, r, "creating a "+res.one, err)
	})
	api("GET "+coll+"/{id}", func(w http.ResponseWriter, r *http.Request) {
		v, err := res.get(r.Context(), s.db, orgOf(r), r.PathValue("id"))
		s.answer(w, r, "reading a "+res.one, http.StatusOK, res.view(v), err)
	})
	api("PATCH "+coll+"/{id}", func(w http.ResponseWriter, r *http.Request) {
		b, err := s.requestBody(w, r, res.fields)
		if err != nil {
			s.answerError(w, r, "", err)
			return
		}
		v, err := res.patch(r.Context(), s.db, orgOf(r), r.PathValue("id"), b, s.now())
		s.answer(w, r, "updating a "+res.one, http.StatusOK, res.view(v), err)
	})
	api("DELETE "+coll+"/{id}", func(w http.ResponseWriter, r *http.Request) {
		err := res.remove(r.Context(), s.db, orgOf(r), r.PathValue("id"), s.now())
		s.answer(w, r, "deleting a "+res.one, http.StatusNoContent, nil, err)
	})
	mux.Handle(coll, methodNotAllowed("GET, HEAD, POST"))
	mux.Handle(coll+"/{id}", methodNotAllowed("GET, HEAD, PATCH, DELETE"))
}

// requestBody checks the query string and reads and decodes the body.
func (s *server) requestBody(w http.ResponseWriter, r *http.Request, fields []field) (body, error) {
	raw, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	return decodeBody(raw, fields)
}

// answer writes v with status (none for 204), or the answer to err.
func (s *server) answer(w http.ResponseWriter, r *http.Request, doing string, status int, v any, err error) {
	switch {
	case err != nil:
		s.answerError(w, r, doing, err)
	case status == http.StatusNoContent:
		w.WriteHeader(status)
	default:
		writeJSON(w, status, v)
	}
}

// answerError answers a failed operation: the client's mistakes as 400,
// 404, 415 or 422, anything else as an internal error (logged).
func (s *server) answerError(w http.ResponseWriter, r *http.Request, doing string, err error) {
	if p, ok := problemFor(err); ok {
		writeProblemValue(w, p)
		return
	}
	s.internalError(w, r, doing, err)
}

// problemFor returns the problem that tells the client its mistake, or
// false when err is not the client's.
func problemFor(err error) (problem, bool) {
	var bad *requestError
	var invalid *invalidError
	switch {
	case errors.As(err, &bad) && bad.unsupported:
		return problem{Status: http.StatusUnsupportedMediaType, Code: codeUnsupportedMedia, Detail: bad.msg}, true
	case errors.As(err, &bad):
		return problem{Status: http.StatusBadRequest, Code: codeInvalidRequest, Detail: bad.msg}, true
	case errors.As(err, &invalid):
		return validationProblem(invalid.errs), true
	case errors.Is(err, errNoRow):
		return problem{Status: http.StatusNotFound, Code: codeNotFound, Detail: "no such resource"}, true
	}
	return problem{}, false
}
