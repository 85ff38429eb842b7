package keyadmin

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/driive/keyauth/apikey"
)

// eventJSON is an audit event as the API shows it.
type eventJSON struct {
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	KeyID  string    `json:"key_id"`
	Actor  actorJSON `json:"actor"`
}

func (h *Handler) apiEvents(w http.ResponseWriter, r *http.Request, rq request) {
	limit, cursor, ok := pageParams(w, r)
	if !ok {
		return
	}
	page, err := h.svc.Events(r.Context(), rq.org, apikey.ListOptions{Limit: limit, Cursor: cursor})
	if h.listFailed(w, r, err) {
		return
	}
	writePage(w, page.Events, page.NextCursor, func(e apikey.Event) eventJSON {
		return eventJSON{ID: e.ID, At: e.At.UTC(), Action: string(e.Action), KeyID: e.KeyID,
			Actor: actorJSON{ID: e.Actor.ID, Name: e.Actor.Name}}
	})
}

// loadEvents fills d with up to n events from cursor, newest first, and
// the link to the next ones.
func (h *Handler) loadEvents(r *http.Request, rq request, d *pageData, cursor string, n int) error {
	page, err := h.svc.Events(r.Context(), rq.org, apikey.ListOptions{Limit: n, Cursor: cursor})
	if err != nil {
		return err
	}
	now := h.cfg.Now()
	for _, e := range page.Events {
		row := eventRow{At: *newTimeView(e.At, now), Action: strings.TrimPrefix(string(e.Action), "key."),
			Key: h.svc.Prefix() + "_" + e.KeyID, Actor: e.Actor.Name, Addr: e.Actor.Addr}
		if row.Actor == "" {
			row.Actor = e.Actor.ID
		}
		if row.Actor == "" {
			row.Actor = "Someone"
		}
		if e.NewKeyID != "" {
			row.NewKey = h.svc.Prefix() + "_" + e.NewKeyID
		}
		d.Events = append(d.Events, row)
	}
	if page.NextCursor != "" {
		d.MoreURL = rq.base + "/activity?" + url.Values{"cursor": {page.NextCursor}}.Encode()
	}
	return nil
}

func (h *Handler) activityPage(w http.ResponseWriter, r *http.Request, rq request, d pageData) {
	d.Title = "Activity"
	status := http.StatusOK
	if err := h.loadEvents(r, rq, &d, r.URL.Query().Get("cursor"), pageSize); err != nil {
		if !errors.Is(err, apikey.ErrInvalidArgument) {
			h.storeFailure(w, r, d, err)
			return
		}
		status = http.StatusBadRequest
		d.Error = "That page link is not valid any more; here is the newest activity."
		if err := h.loadEvents(r, rq, &d, "", pageSize); err != nil {
			h.storeFailure(w, r, d, err)
			return
		}
	}
	h.render(w, status, "activity", d)
}
