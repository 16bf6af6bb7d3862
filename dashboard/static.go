package dashboard

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
)

//go:embed static
var staticFiles embed.FS

// asset is an embedded file the pages load.
type asset struct {
	body        []byte
	contentType string
	// version changes with the content: it is in the pages' links, so a
	// browser may keep an asset for long and still never use a stale one.
	version string
}

var assets = map[string]asset{
	"dashboard.css": loadAsset("dashboard.css", "text/css; charset=utf-8"),
	"dashboard.js":  loadAsset("dashboard.js", "text/javascript; charset=utf-8"),
}

func loadAsset(name, contentType string) asset {
	body, err := staticFiles.ReadFile("static/" + name)
	if err != nil {
		panic(err) // embedded at build time: only a renamed file gets here
	}
	sum := sha256.Sum256(body)
	return asset{body: body, contentType: contentType, version: hex.EncodeToString(sum[:6])}
}

// assetURL is where the pages load an asset from.
func (s *site) assetURL(name string) string {
	return s.prefix + "static/" + name + "?v=" + assets[name].version
}

// static serves an asset, the one answer a cache may keep.
func (s *site) static(w http.ResponseWriter, r *http.Request) {
	a, ok := assets[r.PathValue("file")]
	if !ok {
		s.notFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(a.body)
}
