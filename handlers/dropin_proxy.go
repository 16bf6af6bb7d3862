package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
	"time"

	"github.com/keinetech/kaine/routing"
)

// dropInExchange is one forwarded call, carried to the proxy's hooks in the
// request context.
type dropInExchange struct {
	key  string // the provider key to send: the gateway's or the caller's
	byok bool   // key is the caller's
	sub  string
	// silence cancels the call when the provider keeps it waiting longer
	// than timeout; every read of the answer restarts it.
	silence *time.Timer
	timeout time.Duration
	meter   *routing.Meter // nil for a call that is not metered
	// status is the provider's answer status; 0 if none came.
	status int
	// failed holds a transport error (refused, reset, timed out).
	failed error
	// complete is set when the answer's body ended cleanly.
	complete bool
	// json is the tap of a JSON answer, nil for a stream.
	json *jsonTap
	// clientHeader is the header of the answer to the client.
	clientHeader http.Header
	// inputTokens is an embedding request's text at four bytes a token,
	// for an answer without usage.
	inputTokens int64
	// unpricedNote is set when the call is served under its provider's
	// unpriced policy, saying how it is billed.
	unpricedNote string
	// at is when the call was priced: it is billed at the prices of then,
	// the ones its reservation used.
	at time.Time
}

// generatedBytes is how much the model generated that crossed: what the
// meter saw, or, for an answer too large for it, the answer's size.
func (ex *dropInExchange) generatedBytes() int64 {
	if ex.json != nil && ex.json.over {
		return ex.json.n
	}
	return int64(ex.meter.GeneratedBytes())
}

type exchangeKey struct{}

func exchangeOf(ctx context.Context) *dropInExchange {
	return ctx.Value(exchangeKey{}).(*dropInExchange)
}

// watchedBody restarts the exchange's silence timer at each read that
// brings something.
type watchedBody struct {
	io.ReadCloser
	ex *dropInExchange
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.ex.silence.Reset(b.ex.timeout)
	}
	return n, err
}

// patientWriter stops the silence timer while the client takes an answer's
// bytes: a client that reads slowly is not a silent provider.
type patientWriter struct {
	http.ResponseWriter
	ex *dropInExchange
}

func (w *patientWriter) Write(p []byte) (int, error) {
	w.ex.silence.Stop()
	defer w.ex.silence.Reset(w.ex.timeout)
	return w.ResponseWriter.Write(p)
}

// Unwrap lets the proxy flush the writer underneath.
func (w *patientWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accountHeaders name an OpenAI organization or project: the caller's own,
// meaningful only with the caller's own key.
var accountHeaders = []string{"OpenAI-Organization", "OpenAI-Project"}

// accountResponseHeaders name the account of the key a provider answered
// for: the operator's, unless the call came with the caller's own key.
var accountResponseHeaders = []string{"OpenAI-Organization", "OpenAI-Project", "Anthropic-Organization-Id"}

// clientKeyHeaders carry the Kaine key (or a BYOK key) in; none may reach
// the provider as sent.
var clientKeyHeaders = []string{"Authorization", "X-Api-Key", "X-Goog-Api-Key", "X-Kaine-Provider-Key"}

// newProxy builds the reverse proxy for a drop-in provider. Bodies and
// answers pass through byte for byte, except the provider key that
// replaces the Kaine key. The proxy flushes each write of an SSE (or
// unknown-length) answer by itself; a JSON answer is not flushed piecemeal,
// which would cost a write call per read.
func (d *DropIn) newProxy(a *API) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Transport:  d.Transport,
		BufferPool: copyBuffers,
		Rewrite: func(pr *httputil.ProxyRequest) {
			ex := exchangeOf(pr.In.Context())
			out := pr.Out
			out.URL.Scheme, out.URL.Host = d.Target.Scheme, d.Target.Host
			out.URL.Path = strings.TrimRight(d.Target.Path, "/") + ex.sub
			out.URL.RawPath = ""
			q := out.URL.Query()
			if q.Has("key") { // Gemini's key parameter may hold the Kaine key
				q.Del("key")
				out.URL.RawQuery = q.Encode()
			}
			out.Host = ""
			for _, h := range clientKeyHeaders {
				out.Header.Del(h)
			}
			if !ex.byok {
				for _, h := range accountHeaders {
					out.Header.Del(h)
				}
			}
			// Ask for an uncompressed answer so the meter can read it; Go's
			// transport still compresses on the wire and undoes it.
			out.Header.Del("Accept-Encoding")
			d.setKey(out.Header, ex.key)
		},
		ModifyResponse: func(resp *http.Response) error {
			ex := exchangeOf(resp.Request.Context())
			ex.status = resp.StatusCode
			if !ex.byok {
				for _, h := range accountResponseHeaders {
					resp.Header.Del(h)
				}
			}
			if resp.Header.Get("X-Request-Id") != "" {
				// The SDK reports the provider's request ID; Kaine's (the one
				// in the audit record) moves aside rather than shadow it.
				ex.clientHeader.Set("X-Kaine-Request-Id", ex.clientHeader.Get("X-Request-Id"))
				ex.clientHeader.Del("X-Request-Id")
			}
			if ex.silence != nil {
				resp.Body = &watchedBody{ReadCloser: resp.Body, ex: ex}
			}
			if ex.meter == nil || resp.StatusCode < 200 || resp.StatusCode > 299 {
				return nil
			}
			if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
				// The tap may drop the usage chunk Kaine asked for, so the
				// provider's length would no longer hold.
				resp.Header.Del("Content-Length")
				resp.ContentLength = -1
				resp.Body = newSSETap(resp.Body, ex)
			} else {
				ex.json = &jsonTap{body: resp.Body, ex: ex}
				if resp.ContentLength > 0 && resp.ContentLength <= maxTappedAnswer {
					ex.json.buf = make([]byte, 0, resp.ContentLength)
				}
				resp.Body = ex.json
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			ex := exchangeOf(r.Context())
			if cause := context.Cause(r.Context()); cause != nil {
				err = cause // the silence timer's, rather than a bare "cancelled"
			}
			ex.failed = err
			if errors.Is(err, context.Canceled) {
				return // the client is gone; there is no one to answer
			}
			// The kind of failure only: the full error names internal hosts.
			a.Errors.Write(w, CodeProviderError, d.Name+" could not be reached: "+routing.TransportReason(err)+".")
		},
	}
}

// copyBuffers lends the proxies the buffers they copy answers through;
// without a pool each call allocates 32 KiB.
var copyBuffers = &bufferPool{sync.Pool{New: func() any { return make([]byte, 32<<10) }}}

type bufferPool struct{ pool sync.Pool }

func (p *bufferPool) Get() []byte { return p.pool.Get().([]byte) }

// Put boxes the slice header (24 bytes), against 32 KiB saved per call.
func (p *bufferPool) Put(b []byte) { p.pool.Put(b) }

// setKey puts the provider key where the provider's protocol wants it.
func (d *DropIn) setKey(h http.Header, key string) {
	if key == "" {
		return // a local server without a key
	}
	switch d.Protocol {
	case routing.ProtocolAnthropic:
		h.Set("X-Api-Key", key)
	case routing.ProtocolGemini:
		h.Set("X-Goog-Api-Key", key)
	default:
		h.Set("Authorization", "Bearer "+key)
	}
}
