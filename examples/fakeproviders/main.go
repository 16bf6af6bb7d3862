// Command fakeproviders serves fake Anthropic, Gemini and OpenAI APIs on
// one local port, so that Kaine can be tried end to end without a provider
// account: /v1/llm, the drop-in routes and the agents all get answers.
//
// It is routing/fakeupstream, the fake the tests use, as a program: each
// protocol's checks, JSON and SSE framing, with an answer that says it is
// the fake and repeats the start of the prompt, and usage of about four
// bytes a token. It keeps nothing of the requests, and logs one line for
// each to stderr (method, path, model; never a key).
//
// Usage, from the repository root:
//
//	go run ./examples/fakeproviders [-addr 127.0.0.1:8099]
//
// examples/try/README.md walks through a gateway pointed at it.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8099", "host:port to listen on")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "fakeproviders:", err)
		os.Exit(1)
	}
}

// run serves until SIGINT or SIGTERM.
func run(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	fake := fakeupstream.Serve(l, fakeupstream.Options{Forget: true, Respond: reply, Wrap: logRequests})
	defer fake.Close()
	fmt.Printf(banner, fake.URL)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return nil
}

// banner says where the fake listens and how to point Kaine at it.
const banner = `fakeproviders: fake Anthropic, Gemini and OpenAI APIs on %[1]s
Any non-empty key is taken. In the kaine block of the Caddyfile (examples/try/Caddyfile has this):

	provider anthropic {
		api_key  fake-anthropic-key
		base_url %[1]s
	}
	provider google {
		api_key  fake-gemini-key
		base_url %[1]s
	}
	provider openai {
		api_key  fake-openai-key
		base_url %[1]s/v1
	}

`
