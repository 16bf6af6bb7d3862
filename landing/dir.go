package landing

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Dir writes pages into one directory.
type Dir struct {
	// Path is the directory the pages go in (files_dir). It is created,
	// with its parents, when missing. It must not be empty.
	Path string
}

// maxSuffix bounds the search for a free name, so a directory full of one
// slug fails instead of looping for ever.
const maxSuffix = 10_000

// link is os.Link; tests replace it to exercise the fallback for file
// systems without hard links.
var link = os.Link

// Write stores page as Slug(businessName)+".html", or slug-2.html,
// slug-3.html… when that is taken, and returns the file name (not the path).
//
// The page is written to a temporary file in the same directory and synced
// first; then a hard link claims the final name, which fails if the name
// exists. So an existing file is never replaced, two writers racing for one
// name both succeed under different names, and a reader never sees half a
// page. On a file system without hard links the name is claimed with O_EXCL
// and the page renamed over the claim, where a reader may, for an instant,
// see an empty file, never a partial one.
func (d Dir) Write(businessName string, page []byte) (filename string, err error) {
	if d.Path == "" {
		return "", errors.New("writing landing page: no directory configured")
	}
	if err := os.MkdirAll(d.Path, 0o755); err != nil {
		return "", fmt.Errorf("writing landing page: %w", err)
	}
	tmp, err := writeTemp(d.Path, page)
	if err != nil {
		return "", fmt.Errorf("writing landing page: %w", err)
	}
	moved := false
	defer func() {
		// Once linked the page lives on under its own name; the temp name
		// goes, unless a rename already took it (it may be reused by then).
		if !moved {
			os.Remove(tmp)
		}
	}()

	slug := Slug(businessName)
	for n := 1; n <= maxSuffix; n++ {
		name := slug + ".html"
		if n > 1 {
			name = fmt.Sprintf("%s-%d.html", slug, n)
		}
		var err error
		moved, err = claim(tmp, filepath.Join(d.Path, name))
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("writing landing page %s: %w", name, err)
		}
		syncDir(d.Path)
		return name, nil
	}
	return "", fmt.Errorf("writing landing page: %s.html and %d numbered names are all taken", slug, maxSuffix-1)
}

// writeTemp writes page to a new temporary file in dir, synced to disk and
// readable by a separate file server, and returns its path.
func writeTemp(dir string, page []byte) (path string, err error) {
	f, err := os.CreateTemp(dir, ".landing-*.tmp")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(page); err != nil {
		return "", err
	}
	if err := f.Chmod(0o644); err != nil { // CreateTemp makes it 0600
		return "", err
	}
	if err := f.Sync(); err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return f.Name(), nil
}

// claim gives the complete file at tmp the name target, failing with an
// fs.ErrExist error when target exists. moved reports that tmp was renamed
// rather than linked.
func claim(tmp, target string) (moved bool, err error) {
	err = link(tmp, target)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return false, err
	}
	if !errors.Is(err, errors.ErrUnsupported) && !errors.Is(err, fs.ErrPermission) {
		return false, err // EPERM/ENOTSUP are how file systems say "no hard links"
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return false, err
	}
	f.Close()
	if err := os.Rename(tmp, target); err != nil {
		os.Remove(target) // our own empty claim
		return false, err
	}
	return true, nil
}

// syncDir makes the new name durable. It is best effort: the page is already
// complete and visible, and some systems cannot sync a directory.
func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		f.Sync()
		f.Close()
	}
}
