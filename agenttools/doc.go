// Package agenttools is what Kaine's agents can do: search and update the
// account's leads, send email, SMS, phone calls and booking links through
// the outbox, search the account's knowledge base, make landing pages and
// videos, and trigger the account's n8n workflows.
//
// Every tool reads and writes only env.Account's data. A tool's output is
// what the model reads next and its error is shown to the model as a
// failed call, so both say plainly what happened, and neither carries a
// secret or a host. Above all, a message is reported as sent only when its
// provider accepted it: without a connector it is recorded as
// queued_unconfigured and the model is told it was not sent.
package agenttools
