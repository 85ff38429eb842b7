package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// views holds one parsed template set per page.
type views struct {
	pages map[string]*template.Template
}

// appPages are rendered inside the signed-in layout; the others stand
// alone.
var (
	appPages    = []string{"keys", "new", "revoke", "error"}
	standalones = []string{"login"}
)

func parseViews() (*views, error) {
	v := &views{pages: map[string]*template.Template{}}
	for _, p := range appPages {
		t, err := template.New(p).Funcs(funcs).ParseFS(templateFS,
			"templates/layout.html", "templates/partials.html", "templates/"+p+".html")
		if err != nil {
			return nil, fmt.Errorf("web: parsing %s page: %w", p, err)
		}
		v.pages[p] = t
	}
	for _, p := range standalones {
		t, err := template.New(p).Funcs(funcs).ParseFS(templateFS, "templates/partials.html", "templates/"+p+".html")
		if err != nil {
			return nil, fmt.Errorf("web: parsing %s page: %w", p, err)
		}
		v.pages[p] = t
	}
	return v, nil
}

// render writes a whole page or, if the template fails, a plain 500: the
// page is built in a buffer first so a failure never leaves half a page.
// Every page is no-store: the create response holds a key, and pages of a
// signed-in admin area have no business in a shared cache.
func (h *handler) render(w http.ResponseWriter, status int, page string, d pageData) {
	d.CSS, d.JS = cssURL, jsURL
	if d.Org == "" {
		d.Org = h.org
	}
	var buf bytes.Buffer
	if err := h.views.pages[page].ExecuteTemplate(&buf, "page", d); err != nil {
		h.log.Error("rendering developer page", "page", page, "err", err)
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// A failed write means the client went away; there is no one to tell.
	_, _ = w.Write(buf.Bytes())
}

// Asset URLs carry a digest of their content, so a browser may cache them
// for long and still sees a new version at once.
var (
	cssURL = assetURL("app.css")
	jsURL  = assetURL("app.js")
)

func assetURL(name string) string {
	b, err := assetFS.ReadFile("assets/" + name)
	if err != nil {
		panic("web: missing embedded asset " + name) // a build mistake, caught by any test
	}
	sum := sha256.Sum256(b)
	return "/developer/assets/" + name + "?v=" + hex.EncodeToString(sum[:6])
}

func assetHandler() http.Handler {
	sub, err := fs.Sub(assetFS, "assets")
	if err != nil {
		panic(err) // the embed directive guarantees the directory
	}
	files := http.StripPrefix("/developer/assets/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}
