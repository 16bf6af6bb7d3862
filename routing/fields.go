package routing

import "github.com/tidwall/gjson"

// jsonField names a field of a JSON object and where readFields puts it.
type jsonField struct {
	name  string
	value *gjson.Result
}

// readFields reads the named fields of an object in one pass over it, the
// first of a name as Get would. A stream sends an event every token or
// so, and each Get scans the event again from its start.
func readFields(v gjson.Result, fields ...jsonField) {
	v.ForEach(func(key, value gjson.Result) bool {
		for _, f := range fields {
			if key.Str == f.name && !f.value.Exists() {
				*f.value = value
			}
		}
		return true
	})
}
