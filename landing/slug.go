package landing

import (
	"strings"
	"unicode"
)

// maxSlug is the longest slug, in bytes (all ASCII).
const maxSlug = 60

// Slug makes a file-name-safe slug of a name: lower-case ASCII letters,
// digits and single dashes, no leading or trailing dash. Common accented
// Latin letters are transliterated ("Café" → "cafe", "Straße" → "strasse"),
// apostrophes are dropped ("Joe's" → "joes") and every other character
// separates words, so "../../etc/passwd" becomes "etc-passwd": a slug can
// hold no dot or slash, hence never be "." or "..", nor climb out of a
// directory. It is at most 60 characters, cut at a dash when one is near,
// and never empty: "page" stands in for a name with nothing usable.
func Slug(name string) string {
	var b strings.Builder
	dash := false // a separator is pending; written only before the next letter
	for _, r := range strings.ToLower(name) {
		var s string
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			s = string(r)
		case r == '\'' || r == '’', unicode.Is(unicode.Mn, r):
			continue // "Joe's" → "joes"; combining accents go with their letter
		default:
			s = translit[r]
		}
		if s == "" {
			dash = true
			continue
		}
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		dash = false
		b.WriteString(s)
	}
	slug := b.String()
	if len(slug) > maxSlug {
		wordEnds := slug[maxSlug] == '-'
		slug = slug[:maxSlug]
		// Prefer to end on a whole word when that loses little.
		if i := strings.LastIndexByte(slug, '-'); !wordEnds && i >= maxSlug*2/3 {
			slug = slug[:i]
		}
		slug = strings.TrimRight(slug, "-")
	}
	if slug == "" {
		return "page"
	}
	if reservedOnWindows[slug] {
		slug += "-page" // "con.html" cannot be created on Windows
	}
	return slug
}

// translit maps lower-case accented Latin letters to ASCII.
var translit = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'ā': "a", 'ă': "a", 'ą': "a",
	'æ': "ae",
	'ç': "c", 'ć': "c", 'ĉ': "c", 'ċ': "c", 'č': "c",
	'ď': "d", 'đ': "d", 'ð': "d",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ĕ': "e", 'ė': "e", 'ę': "e", 'ě': "e",
	'ĝ': "g", 'ğ': "g", 'ġ': "g", 'ģ': "g",
	'ĥ': "h", 'ħ': "h",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ĩ': "i", 'ī': "i", 'ĭ': "i", 'į': "i", 'ı': "i",
	'ĵ': "j",
	'ķ': "k",
	'ĺ': "l", 'ļ': "l", 'ľ': "l", 'ŀ': "l", 'ł': "l",
	'ñ': "n", 'ń': "n", 'ņ': "n", 'ň': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ō': "o", 'ŏ': "o", 'ő': "o",
	'œ': "oe",
	'ŕ': "r", 'ŗ': "r", 'ř': "r",
	'ß': "ss", 'ś': "s", 'ŝ': "s", 'ş': "s", 'š': "s", 'ș': "s",
	'ţ': "t", 'ť': "t", 'ŧ': "t", 'ț': "t",
	'þ': "th",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ũ': "u", 'ū': "u", 'ŭ': "u", 'ů': "u", 'ű': "u", 'ų': "u",
	'ŵ': "w",
	'ý': "y", 'ÿ': "y", 'ŷ': "y",
	'ź': "z", 'ż': "z", 'ž': "z",
}

// reservedOnWindows are device names Windows refuses as file names, with any
// extension, in case files_dir is ever on such a system or copied to one.
var reservedOnWindows = map[string]bool{
	"con": true, "prn": true, "aux": true, "nul": true,
	"com1": true, "com2": true, "com3": true, "com4": true, "com5": true, "com6": true, "com7": true, "com8": true, "com9": true,
	"lpt1": true, "lpt2": true, "lpt3": true, "lpt4": true, "lpt5": true, "lpt6": true, "lpt7": true, "lpt8": true, "lpt9": true,
}
