// Package workflows lists workflow runs for GET /v1/workflows: a client of
// n8n's public REST API that reads executions (with their workflows' names)
// as Runs, and Merge, which puts n8n's runs and Kaine's own (video jobs,
// landing pages, agent runs) into one newest-first list. It knows nothing
// of HTTP handlers, accounts or Caddy: the endpoint calls N8N.Executions
// when n8n is configured, turns its own records into Runs, and merges; an
// n8n error is the endpoint's warning, never its failure. N8N.TriggerWebhook
// starts a workflow through its production webhook, for agents' tools.
package workflows
