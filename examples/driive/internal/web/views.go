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

// pageData is what the example's own pages show: the sign-in form, the
// organization switcher and short messages. The API Keys page itself is
// the keyadmin library's.
type pageData struct {
	Title   string
	CSS     string
	Login   loginData
	Orgs    []string
	Org     string // the switcher's typed organization id
	Error   string
	Message string
}

type views struct {
	pages map[string]*template.Template
}

func parseViews() (*views, error) {
	v := &views{pages: map[string]*template.Template{}}
	for _, p := range []string{"login", "orgs", "message"} {
		t, err := template.New(p).ParseFS(templateFS, "templates/base.html", "templates/"+p+".html")
		if err != nil {
			return nil, fmt.Errorf("web: parsing %s page: %w", p, err)
		}
		v.pages[p] = t
	}
	return v, nil
}

// render writes a whole page or, if the template fails, a plain 500.
func (h *handler) render(w http.ResponseWriter, status int, page string, d pageData) {
	d.CSS = cssURL
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
	_, _ = w.Write(buf.Bytes()) // a failed write means the client went away
}

// The stylesheet's URL carries a digest of its content, so a browser may
// cache it for long and still sees a new version at once.
var cssURL = func() string {
	b, err := assetFS.ReadFile("assets/login.css")
	if err != nil {
		panic("web: missing embedded asset login.css") // a build mistake, caught by any test
	}
	sum := sha256.Sum256(b)
	return "/developer/assets/login.css?v=" + hex.EncodeToString(sum[:6])
}()

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
