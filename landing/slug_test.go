package landing

import (
	"regexp"
	"strings"
	"testing"
)

var slugShape = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func TestSlug(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"../../etc/passwd", "etc-passwd"},
		{"Friesian Construction", "friesian-construction"},
		{"Café Déjà Vu", "cafe-deja-vu"},
		{"   ", "page"},
		{"", "page"},
		{"..", "page"},
		{".", "page"},
		{"/", "page"},
		{"..\\..\\Windows\\System32", "windows-system32"},
		{"C:\\boot.ini", "c-boot-ini"},
		{"%2e%2e%2fetc", "2e-2e-2fetc"},
		{"name\x00.html", "name-html"},
		{"--Hello--World--", "hello-world"},
		{"Joe's Pizza & Grill", "joes-pizza-grill"},
		{"Joe’s Café", "joes-cafe"},
		{"Straße Ærø Œuvre Þing", "strasse-aero-oeuvre-thing"},
		{"Łódź Żółć Čapek Ğüneş", "lodz-zolc-capek-gunes"},
		{"İstanbul Kebap", "istanbul-kebap"},
		{"Cafe\u0301 Noir", "cafe-noir"}, // decomposed é
		{"東京 Sushi Bar", "sushi-bar"},
		{"東京", "page"},
		{"Студия", "page"},
		{"Studio 54", "studio-54"},
		{"ÉCOLE DU SOIR", "ecole-du-soir"},
		{"CON", "con-page"},
		{"lpt1", "lpt1-page"},
		{"Console Repair", "console-repair"},
		{strings.Repeat("a", 100), strings.Repeat("a", 60)},
		// Cut at a dash when it loses little…
		{strings.Repeat("word ", 30), strings.TrimSuffix(strings.Repeat("word-", 12), "-")},
		// …and exactly at the limit when a word ends there.
		{strings.Repeat("abcde-", 9) + "abcde-longword", strings.Repeat("abcde-", 9) + "abcde"},
		{strings.Repeat("x", 45) + " " + strings.Repeat("y", 40), strings.Repeat("x", 45)},
		// …but cuts the word when the last dash is far back.
		{strings.Repeat("x", 20) + " " + strings.Repeat("y", 60), strings.Repeat("x", 20) + "-" + strings.Repeat("y", 39)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Slug(tc.name); got != tc.want {
				t.Errorf("Slug(%q) = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}

// FuzzSlug checks the promises that keep file names safe, whatever the name.
func FuzzSlug(f *testing.F) {
	for _, s := range []string{"../../etc/passwd", "Café Déjà Vu", "..", " ", "a/b", strings.Repeat("é-", 80), "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		s := Slug(name)
		if len(s) > maxSlug || !slugShape.MatchString(s) || s == "." || s == ".." {
			t.Errorf("Slug(%q) = %q", name, s)
		}
	})
}
