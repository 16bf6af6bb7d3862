package webfetch

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// skipped are elements whose content is not the page's text.
var skipped = map[atom.Atom]bool{atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Svg: true, atom.Head: true, atom.Iframe: true, atom.Object: true}

// blocks are elements that start a line of their own.
var blocks = map[atom.Atom]bool{atom.P: true, atom.Div: true, atom.Br: true, atom.Li: true, atom.Tr: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Section: true,
	atom.Article: true, atom.Header: true, atom.Footer: true, atom.Table: true, atom.Ul: true, atom.Ol: true,
	atom.Blockquote: true, atom.Pre: true, atom.Hr: true, atom.Dt: true, atom.Dd: true, atom.Address: true}

// readable is an HTML page's title and its text: what a reader sees,
// without scripts, styles or markup, a line per block, spaces collapsed.
func readable(page []byte) (title, text string) {
	z := html.NewTokenizer(bytes.NewReader(page))
	var out strings.Builder
	skip := 0 // depth inside skipped elements
	inTitle := false
	for {
		switch tt := z.Next(); tt {
		case html.ErrorToken: // the end, or markup too broken to go on
			return strings.TrimSpace(title), tidy(out.String())
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch {
			case a == atom.Title:
				inTitle = true
			case skipped[a] && tt == html.StartTagToken:
				skip++
			case blocks[a]:
				out.WriteByte('\n')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch {
			case a == atom.Title:
				inTitle = false
			case skipped[a] && skip > 0:
				skip--
			case blocks[a]:
				out.WriteByte('\n')
			}
		case html.TextToken:
			switch {
			case inTitle:
				title += string(z.Text())
			case skip == 0: // the source's line breaks are spaces
				out.WriteString(strings.Join(strings.Fields(string(z.Text())), " "))
				out.WriteByte(' ')
			}
		}
	}
}

// tidy collapses each line's spaces and drops empty lines.
func tidy(s string) string {
	var lines []string
	for line := range strings.SplitSeq(s, "\n") {
		if line = strings.Join(strings.Fields(line), " "); line != "" {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}
