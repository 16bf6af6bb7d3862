package landing

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// files lists the names in dir, sorted.
func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withoutHardLinks makes link fail as on a file system without hard links.
func withoutHardLinks(t *testing.T) {
	t.Cleanup(func() { link = os.Link })
	link = func(old, new string) error {
		return &os.LinkError{Op: "link", Old: old, New: new, Err: errors.ErrUnsupported}
	}
}

func TestWriteCollisions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T)
	}{
		{"hard links", func(*testing.T) {}},
		{"no hard links", withoutHardLinks},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup(t)
			d := Dir{Path: t.TempDir()}
			want := []string{"friesian-construction.html", "friesian-construction-2.html", "friesian-construction-3.html"}
			for i, w := range want {
				page := fmt.Appendf(nil, "<p>page %d</p>", i)
				name, err := d.Write("Friesian Construction", page)
				if err != nil {
					t.Fatal(err)
				}
				if name != w {
					t.Errorf("write %d: %s, want %s", i+1, name, w)
				}
				if got := readFile(t, filepath.Join(d.Path, name)); !bytes.Equal(got, page) {
					t.Errorf("%s holds %q, want %q", name, got, page)
				}
			}
			if got := files(t, d.Path); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
				t.Errorf("directory holds %v", got)
			}
		})
	}
}

func TestWriteNeverReplaces(t *testing.T) {
	d := Dir{Path: t.TempDir()}
	old := filepath.Join(d.Path, "studio.html")
	if err := os.WriteFile(old, []byte("someone else's page"), 0o644); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "outside.txt")
	if err := os.WriteFile(outside, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(d.Path, "studio-2.html")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	name, err := d.Write("Studio", []byte("new page"))
	if err != nil {
		t.Fatal(err)
	}
	if name != "studio-3.html" {
		t.Errorf("name = %s, want studio-3.html", name)
	}
	if string(readFile(t, old)) != "someone else's page" || string(readFile(t, outside)) != "keep me" {
		t.Error("an existing file was changed")
	}
}

func TestWriteStaysInItsDirectory(t *testing.T) {
	root := t.TempDir()
	d := Dir{Path: filepath.Join(root, "data", "files")} // created by Write
	for _, name := range []string{"../../etc/passwd", "..", "/", "..\\..\\x"} {
		if _, err := d.Write(name, []byte("x")); err != nil {
			t.Fatalf("Write(%q): %v", name, err)
		}
	}
	if got := files(t, root); !slices.Equal(got, []string{"data"}) {
		t.Errorf("root holds %v", got)
	}
	if got := files(t, filepath.Join(root, "data")); !slices.Equal(got, []string{"files"}) {
		t.Errorf("data holds %v", got)
	}
	want := []string{"etc-passwd.html", "page-2.html", "page.html", "x.html"}
	if got := files(t, d.Path); !slices.Equal(got, want) {
		t.Errorf("files holds %v, want %v", got, want)
	}
}

func TestWriteConcurrently(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T)
	}{
		{"hard links", func(*testing.T) {}},
		{"no hard links", withoutHardLinks},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup(t)
			const writers = 20
			d := Dir{Path: t.TempDir()}
			pages := make([][]byte, writers)
			for i := range pages {
				// Big enough that a torn write would show.
				pages[i] = bytes.Repeat(fmt.Appendf(nil, "<p>writer %02d</p>\n", i), 20_000)
			}
			names := make([]string, writers)
			var wg sync.WaitGroup
			for i := range writers {
				wg.Go(func() {
					name, err := d.Write("Same Name", pages[i])
					if err != nil {
						t.Error(err)
					}
					names[i] = name
				})
			}
			wg.Wait()

			want := []string{"same-name.html"}
			for n := 2; n <= writers; n++ {
				want = append(want, fmt.Sprintf("same-name-%d.html", n))
			}
			slices.Sort(want)
			if got := files(t, d.Path); !slices.Equal(got, want) {
				t.Fatalf("directory holds %v, want %v", got, want)
			}
			for i, name := range names {
				if got := readFile(t, filepath.Join(d.Path, name)); !bytes.Equal(got, pages[i]) {
					t.Errorf("writer %d's file %s does not hold its page (%d bytes)", i, name, len(got))
				}
			}
		})
	}
}

func TestWriteFileMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	d := Dir{Path: t.TempDir()}
	name, err := d.Write("Mode", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(d.Path, name))
	if err != nil {
		t.Fatal(err)
	}
	// A separate file server must be able to read the page.
	if fi.Mode().Perm()&0o044 != 0o044 {
		t.Errorf("mode %v is not world-readable", fi.Mode())
	}
}

func TestWriteFailures(t *testing.T) {
	t.Run("no directory", func(t *testing.T) {
		if _, err := (Dir{}).Write("X", []byte("x")); err == nil {
			t.Error("Write with an empty Path succeeded")
		}
	})
	t.Run("directory is a file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := (Dir{Path: path}).Write("X", []byte("x")); err == nil {
			t.Error("Write into a regular file succeeded")
		}
	})
	t.Run("link fails", func(t *testing.T) {
		t.Cleanup(func() { link = os.Link })
		link = func(old, new string) error {
			return &os.LinkError{Op: "link", Old: old, New: new, Err: fs.ErrClosed}
		}
		d := Dir{Path: t.TempDir()}
		if _, err := d.Write("X", []byte("x")); err == nil || !strings.Contains(err.Error(), "x.html") {
			t.Errorf("Write = %v, want an error naming x.html", err)
		}
		if got := files(t, d.Path); len(got) != 0 {
			t.Errorf("left behind %v", got)
		}
	})
}
