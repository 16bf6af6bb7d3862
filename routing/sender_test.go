package routing

import (
	"testing"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// fakeSender sends to the shared fake, which validates a request as its
// provider does, and returns the body it received.
type fakeSender struct{ f *fakeupstream.Server }

func (s fakeSender) send(t *testing.T, protocol string, model *Model, req Request, stream bool) (gjson.Result, error) {
	t.Helper()
	before := len(s.f.Requests())
	var client Client
	switch protocol {
	case ProtocolAnthropic:
		client = NewAnthropic(s.f.URL, nil)
	case ProtocolGemini:
		client = NewGemini(s.f.URL, nil)
	default:
		client = NewOpenAI(s.f.URL+"/v1", nil)
	}
	var err error
	if stream {
		_, err = client.Stream(t.Context(), testKey, model, req, func(Chunk) error { return nil })
	} else {
		_, err = client.Generate(t.Context(), testKey, model, req)
	}
	reqs := s.f.Requests()
	if len(reqs) == before {
		return gjson.Result{}, err
	}
	return gjson.ParseBytes(reqs[len(reqs)-1].Body), err
}
