// Package landing turns a brief into a landing page: the prompt that asks a
// model for the page's copy as JSON, the strict parser for the model's answer,
// the html/template rendering that keeps the page valid and escaped whatever
// the model wrote, and the atomic, collision-safe write into the files
// directory. It knows nothing of HTTP, Caddy or the LLM router: the endpoint
// calls Prompt, sends the prompts through the router, then ParseCopy, Render
// and Dir.Write, in that order, and writes nothing when any step fails.
package landing
