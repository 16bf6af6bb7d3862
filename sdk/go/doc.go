// Package kaine is the Go client of the Kaine v1 API (https://keine.tech),
// an LLM gateway with an account's leads, landing pages, videos, workflow
// runs, agents, knowledge base and outbox beside it.
//
// It depends on the standard library only:
//
//	client, err := kaine.NewClient() // KAINE_API_KEY, KAINE_BASE_URL
//	if err != nil {
//		log.Fatal(err)
//	}
//	answer, err := client.LLM(ctx, kaine.LLMParams{Prompt: "Say hi", MaxTokens: 40})
//
// Every method takes a context first; every failure the gateway answers is
// a *Error (errors.As), carrying the status, the code, the message, the
// request ID and, on 429 and 503, how long to wait. Calls are retried as
// sdk/README.md describes: a 429 or a 503 store_unavailable for any call,
// another 5xx or a network failure only for GET and DELETE, waiting the
// answer's Retry-After or an exponential backoff from 0.5 s with jitter.
//
// A streamed call is read with Next, Delta, Done, Err and Close:
//
//	stream, err := client.LLMStream(ctx, kaine.LLMParams{Prompt: "Tell a story"})
//	if err != nil {
//		return err
//	}
//	defer stream.Close()
//	for stream.Next() {
//		fmt.Print(stream.Delta())
//	}
//	if err := stream.Err(); err != nil {
//		return err
//	}
//	fmt.Println(stream.Done().CostUSD)
//
// The audit log comes a page at a time: AuditAll ranges over a whole
// listing, following each page's NextBefore. AuditExport (records) and
// AuditExportCSV (the CSV's bytes) stream an export without holding it,
// and report one that ended before its summary line as a *Error with Code
// CodeExportIncomplete.
package kaine
