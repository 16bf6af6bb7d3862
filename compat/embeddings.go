package compat

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/routing"
)

// maxEmbedInputs is OpenAI's most inputs a call.
const maxEmbedInputs = 2048

// EmbeddingsRequest is an OpenAI embeddings request read for the router.
type EmbeddingsRequest struct {
	Request routing.EmbedRequest
	Model   string
	// Base64 asks for each vector as base64 little-endian float32s, as
	// OpenAI's encoding_format base64 does.
	Base64 bool
}

// ReadEmbeddings reads an embeddings request body (a JSON object).
func ReadEmbeddings(body gjson.Result) (*EmbeddingsRequest, *FieldError) {
	e := &EmbeddingsRequest{}
	var ferr *FieldError
	body.ForEach(func(key, v gjson.Result) bool {
		if !present(v) {
			return true
		}
		switch name := key.Str; name {
		case "model":
			e.Model, ferr = text(v, name)
		case "input":
			e.Request.Texts, ferr = embedInputs(v)
		case "dimensions":
			var n int64
			n, ferr = integer(v, name, 1, 1<<16)
			e.Request.Dimensions = int(n)
		case "encoding_format":
			switch v.Str {
			case "float":
			case "base64":
				e.Base64 = true
			default:
				ferr = fieldErr(name, "must be float or base64")
			}
		case "user":
			e.Request.User, ferr = text(v, name)
		default:
			ferr = fieldErr(name, "is not an embeddings field Kaine knows")
		}
		return ferr == nil
	})
	switch {
	case ferr != nil:
		return nil, ferr
	case e.Model == "":
		return nil, missingErr("model", "is required: an embedding model's id (GET /v1/models lists them)")
	case len(e.Request.Texts) == 0:
		return nil, missingErr("input", "is required: a string or an array of strings")
	}
	return e, nil
}

// embedInputs reads input: a string or an array of strings. Token arrays
// are tied to OpenAI's tokenizer and are served by its drop-in route.
func embedInputs(v gjson.Result) ([]string, *FieldError) {
	if v.Type == gjson.String {
		if v.Str == "" {
			return nil, fieldErr("input", "must not be empty")
		}
		return []string{v.Str}, nil
	}
	if !v.IsArray() {
		return nil, fieldErr("input", "must be a string or an array of strings")
	}
	items := v.Array()
	if len(items) > maxEmbedInputs {
		return nil, fieldErr("input", "takes at most %d strings", maxEmbedInputs)
	}
	texts := make([]string, 0, len(items))
	for i, item := range items {
		if item.Type != gjson.String || item.Str == "" {
			return nil, fieldErr(index("input", i), "must be a non-empty string; token arrays are served by the OpenAI drop-in route")
		}
		texts = append(texts, item.Str)
	}
	return texts, nil
}

// EmbeddingsAnswer is the answer in OpenAI's list shape, written as it
// goes: the vectors are copied as the provider sent them, or encoded as
// base64 float32s.
func EmbeddingsAnswer(e *EmbeddingsRequest, out routing.EmbedOutcome) []byte {
	b := []byte(`{"object":"list","data":[`)
	for i, v := range out.Embeddings.Vectors {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"object":"embedding","index":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"embedding":`...)
		if e.Base64 {
			b = appendString(b, base64Floats(v))
		} else {
			b = append(b, v...)
		}
		b = append(b, '}')
	}
	b = append(b, `],"model":`...)
	b = appendString(b, out.Embeddings.Model)
	tokens := strconv.FormatInt(out.Usage.Input, 10)
	return append(b, `,"usage":{"prompt_tokens":`+tokens+`,"total_tokens":`+tokens+`}}`...)
}

// base64Floats encodes a JSON array of numbers as OpenAI's base64 form:
// little-endian float32s.
func base64Floats(vector []byte) string {
	values := gjson.ParseBytes(vector).Array()
	raw := make([]byte, 4*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(float32(v.Float())))
	}
	return base64.StdEncoding.EncodeToString(raw)
}
