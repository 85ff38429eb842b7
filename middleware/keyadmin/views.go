package keyadmin

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"path"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// views holds one parsed template set per page.
type views struct {
	pages map[string]*template.Template
}

var pages = []string{"keys", "new", "revoke", "rotate", "activity", "error"}

func parseViews() (*views, error) {
	v := &views{pages: map[string]*template.Template{}}
	for _, p := range pages {
		t, err := template.New(p).Funcs(funcs).ParseFS(templateFS,
			"templates/layout.html", "templates/partials.html", "templates/"+p+".html")
		if err != nil {
			return nil, fmt.Errorf("keyadmin: parsing the %s page: %w", p, err)
		}
		v.pages[p] = t
	}
	return v, nil
}

// render writes a whole page or, if the template fails, a plain 500: the
// page is built in a buffer first so a failure never leaves half a page.
// Every page is no-store: some show a key, and none has any business in a
// shared cache.
func (h *Handler) render(w http.ResponseWriter, status int, page string, d pageData) {
	d.CSS, d.JS = d.Base+"/assets/"+cssName, d.Base+"/assets/"+jsName
	d.HostCSS = h.cfg.Stylesheet
	d.Product, d.SignOut, d.Orgs = h.cfg.Product, h.cfg.SignOutURL, h.cfg.OrgsURL
	var buf bytes.Buffer
	if err := h.views.pages[page].ExecuteTemplate(&buf, "page", d); err != nil {
		h.cfg.Logger.Error("keyadmin: rendering a page", "page", page, "err", err)
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // a failed write means the client went away
}

func (h *Handler) renderError(w http.ResponseWriter, d pageData, status int, title, msg string) {
	d.Title, d.ErrTitle, d.Error, d.Status = title, title, msg, status
	h.render(w, status, "error", d)
}

// Asset names carry a digest of their content, so a browser may cache
// them for long and still sees a new version at once.
var (
	cssName = assetName("app.css")
	jsName  = assetName("app.js")
)

func assetName(name string) string {
	b, err := assetFS.ReadFile("assets/" + name)
	if err != nil {
		panic("keyadmin: missing embedded asset " + name) // a build mistake, caught by any test
	}
	sum := sha256.Sum256(b)
	ext := path.Ext(name)
	return name[:len(name)-len(ext)] + "." + hex.EncodeToString(sum[:6]) + ext
}

// assets serves the embedded stylesheet and script by their digest names.
type assets map[string]asset

type asset struct {
	body  []byte
	ctype string
}

func assetHandler() assets {
	a := assets{}
	for name, ctype := range map[string]string{"app.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8"} {
		b, _ := assetFS.ReadFile("assets/" + name) // assetName checked it exists
		a[assetName(name)] = asset{body: b, ctype: ctype}
	}
	return a
}

func (a assets) ServeHTTP(w http.ResponseWriter, r *http.Request, name string) {
	f, ok := a[name]
	if !ok {
		w.Header().Set("Cache-Control", "no-store")
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(f.body)
}
