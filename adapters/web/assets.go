package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"

	"github.com/gofiber/fiber/v2"
)

// files holds the templates and the static assets, so the binary serves the UI with no files
// on disk and no CDN.
//
//go:embed templates static
var files embed.FS

// asset is one static file, with its content hash for cache busting.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// assets are the static files by name ("app.css").
type assets struct {
	byName map[string]*asset
}

// loadAssets reads the embedded static files and hashes them.
func loadAssets() (*assets, error) {
	as := &assets{byName: map[string]*asset{}}
	err := fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		as.byName[p[len("static/"):]] = &asset{body: b, contentType: ct, etag: hex.EncodeToString(sum[:8])}
		return nil
	})
	return as, err
}

// url returns the address of the asset name, versioned by its content so that a browser may
// cache it for long and still never use a stale copy.
func (as *assets) url(root, name string) string {
	a, ok := as.byName[name]
	if !ok {
		return root + "/static/" + name
	}
	return root + "/static/" + name + "?v=" + a.etag
}

// static serves an embedded asset.
func (ui *UI) static(c *fiber.Ctx) error {
	a, ok := ui.assets.byName[c.Params("*")]
	if !ok {
		l := localeOf(c)
		return ui.errorPage(c, nil, http.StatusNotFound, l.T("Not found"), l.T("There is no such file."))
	}
	etag := `"` + a.etag + `"`
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	if c.Get(fiber.HeaderIfNoneMatch) == etag {
		return c.SendStatus(http.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, a.contentType)
	return c.Send(a.body)
}
