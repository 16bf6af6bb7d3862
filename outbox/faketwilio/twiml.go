package faketwilio

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// wellFormed reports whether twiml parses as XML with one root element,
// <Response>.
func wellFormed(twiml string) bool {
	d := xml.NewDecoder(strings.NewReader(twiml))
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return depth == 0 && roots == 1
		}
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
				if t.Name.Local != "Response" {
					return false
				}
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
}
