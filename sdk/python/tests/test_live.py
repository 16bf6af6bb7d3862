"""Every method against a live gateway with fake providers (cmd/kaine/sdk_test.go
starts one and sets the variables below; without KAINE_BASE_URL these skip)."""

from __future__ import annotations

import os
import random
import time
import unittest
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, TypeVar

import kaine
from kaine import Client, Delta, Done, KaineError

BASE_URL = os.environ.get("KAINE_BASE_URL", "")
API_KEY = os.environ.get("KAINE_API_KEY", "")
READ_KEY = os.environ.get("KAINE_READ_KEY", "")
LIMITED_KEY = os.environ.get("KAINE_LIMITED_KEY", "")

T = TypeVar("T")

live = unittest.skipUnless(BASE_URL, "KAINE_BASE_URL is not set: no gateway to test against")


def client(key: str = API_KEY, max_retries: int = 2) -> Client:
    return Client(api_key=key, base_url=BASE_URL, timeout=30.0, max_retries=max_retries)


def wait_for(probe: Callable[[], T | None], what: str, seconds: float = 20.0, every: float = 0.2) -> T:
    """Call probe until it returns something, and return that."""
    deadline = time.monotonic() + seconds
    while True:
        got = probe()
        if got is not None:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds:g} s")
        time.sleep(every)


@live
class AccountTest(unittest.TestCase):
    def test_ping(self) -> None:
        p = Client(api_key="", base_url=BASE_URL).ping()  # needs no key
        self.assertIsInstance(p, kaine.Ping)
        self.assertTrue(p.ok)
        self.assertEqual(p.version, "v1")

    def test_me(self) -> None:
        me = client().me()
        self.assertIsInstance(me, kaine.Me)
        self.assertGreater(me.user_id, 0)
        self.assertGreater(me.key_id, 0)
        self.assertTrue(me.username)
        self.assertIn("@", me.email)
        self.assertEqual(sorted(me.scopes), ["read", "write"])
        read = client(READ_KEY).me()
        self.assertEqual(read.scopes, ["read"])
        self.assertEqual(read.user_id, me.user_id)
        self.assertNotEqual(read.key_id, me.key_id)

    def test_environment(self) -> None:
        c = Client()  # KAINE_API_KEY and KAINE_BASE_URL
        self.assertEqual(c.base_url, BASE_URL)
        self.assertEqual(c.me().scopes, client().me().scopes)

    def test_usage(self) -> None:
        u = client().usage()
        self.assertIsInstance(u.status, kaine.UsageStatus)
        self.assertTrue(u.status.tier)
        self.assertGreater(u.status.cap_usd, 0)
        self.assertGreaterEqual(u.status.used_usd, 0)
        self.assertGreaterEqual(u.status.remaining_usd, 0)
        self.assertGreaterEqual(u.status.reserved_usd, 0)
        self.assertTrue(0 <= u.status.percent <= 100)
        self.assertFalse(u.status.blocked)

    def test_audit(self) -> None:
        c = client()
        c.me()

        def records() -> kaine.AuditList | None:
            got = c.audit(limit=5, endpoint="/v1/me")
            return got if got.count else None

        a = wait_for(records, "an audit record of GET /v1/me")
        self.assertIsInstance(a, kaine.AuditList)
        self.assertEqual(a.count, len(a.records))
        self.assertLessEqual(a.count, 5)
        r = a.records[0]
        self.assertIsInstance(r, kaine.AuditRecord)
        self.assertEqual((r.endpoint, r.method, r.status), ("/v1/me", "GET", 200))
        self.assertTrue(r.request_id)
        self.assertTrue(r.timestamp)
        self.assertGreater(r.id, 0)
        everything = c.audit()
        self.assertEqual(everything.count, len(everything.records))
        self.assertGreaterEqual(everything.count, a.count)


@live
class AuditTest(unittest.TestCase):
    def test_pages_and_export(self) -> None:
        """Pages of a small limit hold each record once, newest first; the export
        counts the same. Calls to a path of their own (a document that does not
        exist, 404) make a listing no other test adds to."""
        c = client()
        me = c.me()
        since = datetime.now(timezone.utc) - timedelta(seconds=1)
        doc_id = 2**40 + random.randrange(2**30)
        path = f"/v1/knowledge/{doc_id}"
        calls = 7
        for _ in range(calls):
            with self.assertRaises(KaineError) as cm:
                c.knowledge.get(doc_id)
            self.assertEqual(cm.exception.status, 404)
        f: dict[str, Any] = {"endpoint": path, "key_id": me.key_id, "status": 404, "since": since,
                             "until": datetime.now(timezone.utc) + timedelta(hours=1)}

        # Records are written within 250 ms of the calls' answers.
        def all_of_them() -> list[kaine.AuditRecord] | None:
            got = list(c.audit_all(2, **f))
            return got if len(got) >= calls else None

        listed = wait_for(all_of_them, f"{calls} audit records of {path}")
        self.assertEqual(len(listed), calls)
        self.assertEqual(len({r.id for r in listed}), calls, "each record once")
        for prev, r in zip(listed, listed[1:]):
            self.assertGreaterEqual(datetime.fromisoformat(prev.timestamp), datetime.fromisoformat(r.timestamp),
                                    "newest first")
        for r in listed:
            self.assertEqual((r.endpoint, r.method, r.status, r.key_id, r.error),
                             (path, "GET", 404, me.key_id, "not_found"))

        # The same pages by hand: at most 2 records each, next_before on all but the last.
        before, pages, total = None, 0, 0
        while True:
            page = c.audit(2, before=before, **f)
            pages += 1
            total += len(page.records)
            self.assertEqual(page.count, len(page.records))
            self.assertLessEqual(page.count, 2)
            if page.next_before is None:
                break
            before = page.next_before
        self.assertEqual(total, calls)
        self.assertGreaterEqual(pages, (calls + 1) // 2)

        # A listing by id (no time filter): the same records, ids falling.
        by_id = [r.id for r in c.audit_all(3, path)]
        self.assertEqual(by_id, sorted(by_id, reverse=True))
        self.assertEqual(sorted(by_id), sorted(r.id for r in listed))

        # The export of the same filter: the same records in the same order, counted by its summary.
        with c.audit_export(**f) as export:
            exported = list(export)
        self.assertEqual([r.id for r in exported], [r.id for r in listed])
        assert export.summary is not None
        self.assertEqual(export.summary.count, len(listed))
        self.assertAlmostEqual(export.summary.cost_usd, sum(r.cost_usd for r in exported))
        self.assertTrue(export.request_id)

        # As CSV, with a read key.
        with client(READ_KEY).audit_export_csv(**f) as csv_export:
            text = csv_export.read().decode()
        lines = text.rstrip("\n").split("\n")
        self.assertTrue(lines[0].startswith("id,timestamp,key_id,request_id,"))
        self.assertEqual(len(lines), calls + 2)
        self.assertTrue(lines[1].startswith(f"{listed[0].id},"))
        self.assertEqual(csv_export.summary.count if csv_export.summary else None, calls)
        self.assertTrue(lines[-1].startswith(f"# count={calls} cost_usd="))

        # A filter on the provider and the model of a call.
        c.llm("Say hi", max_tokens=20)
        rec = wait_for(lambda: next(iter(c.audit(1, "/v1/llm", since=since).records), None), "the LLM call's record")
        self.assertTrue(rec.provider and rec.model, rec)
        served = list(c.audit_all(2, provider=rec.provider, model=rec.model, since=since))
        self.assertIn(rec.id, [r.id for r in served])
        self.assertTrue(all((r.provider, r.model) == (rec.provider, rec.model) for r in served))
        with c.audit_export(provider=rec.provider, model=rec.model, since=since) as export:
            self.assertEqual(len(list(export)), len(served))
        self.assertEqual(export.summary.count if export.summary else None, len(served))

        # An export refused before it starts raises from the call.
        with self.assertRaises(KaineError) as cm:
            c.audit_export(since=since, until=since)
        self.assertEqual((cm.exception.status, cm.exception.code), (400, "invalid_field"))


@live
class LlmTest(unittest.TestCase):
    def test_providers(self) -> None:
        p = client().providers()
        self.assertIsInstance(p, kaine.ProvidersStatus)
        names = {x.name for x in p.providers}
        self.assertTrue({"anthropic", "google", "openai"} <= names, names)
        google = next(x for x in p.providers if x.name == "google")
        self.assertTrue(google.configured)
        self.assertIn(google.breaker, ("closed", "half-open", "open"))
        self.assertTrue(google.models)
        self.assertIsInstance(google.models[0], kaine.ModelStatus)
        self.assertGreaterEqual(google.models[0].input_usd_per_mtok, 0)
        self.assertTrue(p.routing.auto)
        self.assertIn("summarize", p.routing.cheap_task_types)
        self.assertTrue(p.routing.default_route)
        self.assertIsInstance(p.routing.default_route[0], kaine.RouteStep)
        self.assertGreater(p.routing.byok_fee_usd, 0)

    def test_llm(self) -> None:
        a = client().llm("Write a 1-line product description for an AI scheduler", task_type="summarize",
                         max_tokens=80)
        self.assertIsInstance(a, kaine.LlmAnswer)
        self.assertTrue(a.ok)
        self.assertTrue(a.text)
        self.assertTrue(a.provider)
        self.assertTrue(a.model)
        self.assertTrue(a.upstream_model)
        self.assertGreater(a.tokens_in, 0)
        self.assertGreater(a.tokens_out, 0)
        self.assertGreater(a.cost_usd, 0)

    def test_llm_stream(self) -> None:
        with client().llm_stream("Say hello in a few words", max_tokens=50) as stream:
            events = list(stream)
        self.assertGreaterEqual(len(events), 2)
        deltas, done = events[:-1], events[-1]
        self.assertTrue(all(isinstance(e, Delta) for e in deltas), events)
        assert isinstance(done, Done)
        joined = "".join(d.text for d in deltas if isinstance(d, Delta))
        self.assertTrue(joined)
        self.assertEqual(joined, stream.text)
        if done.text is not None:
            self.assertEqual(joined, done.text)
        self.assertTrue(done.ok)
        self.assertTrue(done.provider)
        self.assertTrue(done.upstream_model)
        self.assertGreater(done.tokens_in, 0)
        self.assertGreater(done.tokens_out, 0)
        self.assertIsInstance(done.cost_usd, float)
        self.assertGreater(done.cost_usd, 0)
        self.assertIs(stream.done, done)
        self.assertTrue(stream.request_id)


@live
class LeadsTest(unittest.TestCase):
    def test_create_update_list(self) -> None:
        c = client()
        tag = uuid.uuid4().hex[:8]
        lead = c.leads.create(name=f"Ada {tag}", email=f"ada-{tag}@example.com", company="Analytical Engines",
                              source="sdk-python")
        self.assertIsInstance(lead, kaine.Lead)
        self.assertGreater(lead.id, 0)
        self.assertEqual((lead.name, lead.email, lead.company, lead.source), (f"Ada {tag}", f"ada-{tag}@example.com",
                                                                               "Analytical Engines", "sdk-python"))
        self.assertEqual(lead.status, "new")
        self.assertEqual(lead.phone, "")
        self.assertTrue(lead.created_at)

        moved = c.leads.update(lead.id, status="contacted", notes="Called on Monday.")
        self.assertEqual((moved.id, moved.status, moved.notes), (lead.id, "contacted", "Called on Monday."))
        self.assertEqual(moved.name, lead.name)

        listed = c.leads.list(status="contacted", limit=500)
        self.assertIsInstance(listed, kaine.LeadList)
        self.assertEqual(listed.count, len(listed.leads))
        self.assertIn(lead.id, [x.id for x in listed.leads])
        self.assertTrue(all(x.status == "contacted" for x in listed.leads))
        self.assertEqual(c.leads.list(limit=1).count, 1)


@live
class LandingPagesTest(unittest.TestCase):
    def test_create(self) -> None:
        page = client().landing_pages.create("Friesian Construction", "Family-owned commercial construction in Salinas",
                                             client_email="info@friesian.example", industry="construction",
                                             tone="Professional")
        self.assertIsInstance(page, kaine.LandingPage)
        self.assertTrue(page.ok)
        self.assertTrue(page.filename.endswith(".html"), page.filename)
        self.assertTrue(page.url.endswith("/files/" + page.filename), page.url)


@live
class VideosAndWorkflowsTest(unittest.TestCase):
    def test_create_get_and_list(self) -> None:
        c = client()
        v = c.videos.create("Aerial drone shot of a coastal city at golden hour", duration=5, provider="runway")
        self.assertIsInstance(v, kaine.Video)
        self.assertTrue(v.ok)
        self.assertRegex(v.video_id, r"^vid_[0-9a-f]{16}$")
        self.assertEqual((v.provider, v.duration), ("runway", 5))
        self.assertIn(v.status, ("queued", "running"))
        self.assertTrue(v.created_at)

        def ended() -> kaine.Video | None:
            got = c.videos.get(v.video_id)
            return got if got.status in ("succeeded", "failed") else None

        done = wait_for(ended, "the video job's end")
        self.assertEqual(done.video_id, v.video_id)
        self.assertEqual(done.status, "succeeded", done.error)
        self.assertTrue(done.video_url)
        self.assertGreater(done.cost_usd, 0)
        self.assertIsNotNone(done.finished_at)

        w = c.workflows.list(limit=500)
        self.assertIsInstance(w, kaine.WorkflowList)
        self.assertEqual(w.count, len(w.workflows))
        run = next((r for r in w.workflows if r.id == v.video_id), None)
        self.assertIsNotNone(run, [r.id for r in w.workflows])
        assert run is not None
        self.assertEqual((run.source, run.status), ("kaine", "success"))

        with self.assertRaises(KaineError) as cm:
            c.videos.get("vid_0000000000000000")
        self.assertEqual((cm.exception.status, cm.exception.code), (404, "not_found"))


@live
class AgentsTest(unittest.TestCase):
    def test_list_run_and_get(self) -> None:
        c = client()
        catalog = c.agents.list()
        self.assertIsInstance(catalog, kaine.AgentList)
        self.assertEqual(catalog.count, len(catalog.agents))
        crm = next((a for a in catalog.agents if a.name == "lead_crm_agent"), None)
        assert crm is not None
        self.assertTrue(crm.description)
        self.assertIn("crm_update", crm.allowed_tools)
        self.assertIn(crm.complexity_tier, ("standard", "complex"))

        goal = "Tell me how many leads I have."
        run = c.agents.run("lead_crm_agent", goal)
        self.assertIsInstance(run, kaine.AgentRun)
        self.assertTrue(run.ok)
        self.assertEqual((run.agent_name, run.status), ("lead_crm_agent", "completed"))
        self.assertGreater(run.run_id, 0)
        self.assertTrue(run.summary)
        self.assertGreater(run.steps, 0)
        self.assertGreater(run.tokens_in, 0)
        self.assertGreater(run.cost_usd, 0)
        self.assertIsInstance(run.tool_calls, list)

        got = c.agents.get_run(run.run_id)
        self.assertEqual((got.run_id, got.status, got.goal, got.summary), (run.run_id, "completed", goal, run.summary))
        self.assertTrue(got.created_at)
        self.assertTrue(got.finished_at)
        self.assertTrue(got.history)
        assert got.history is not None
        self.assertIsInstance(got.history[0], kaine.AgentStep)

        started = c.agents.run("lead_crm_agent", "Say hello.", async_=True)
        self.assertEqual(started.status, "running")

        def ended() -> kaine.AgentRun | None:
            r = c.agents.get_run(started.run_id)
            return r if r.status != "running" else None

        self.assertEqual(wait_for(ended, "the async run's end").status, "completed")

        with self.assertRaises(KaineError) as cm:
            c.agents.run("no_such_agent", "anything")
        self.assertEqual((cm.exception.status, cm.exception.code), (400, "invalid_field"))


@live
class OutboxTest(unittest.TestCase):
    def test_list(self) -> None:
        o = client().outbox.list(limit=10)
        self.assertIsInstance(o, kaine.OutboxList)
        self.assertEqual(o.count, len(o.messages))
        self.assertLessEqual(o.count, 10)
        for m in o.messages:
            self.assertIsInstance(m, kaine.OutboxMessage)
            self.assertIn(m.channel, ("email", "sms", "phone", "booking_link"))


@live
class KnowledgeTest(unittest.TestCase):
    def test_add_list_search_get_delete(self) -> None:
        c = client()
        word = "zq" + uuid.uuid4().hex[:10]
        text = f"Refunds are paid within 14 days. The {word} plan has no refunds."
        doc = c.knowledge.add("Refund policy", text, source="handbook")
        self.assertIsInstance(doc, kaine.KnowledgeDocumentAnswer)
        self.assertTrue(doc.ok)
        self.assertGreater(doc.id, 0)
        self.assertEqual((doc.title, doc.text, doc.source), ("Refund policy", text, "handbook"))

        listed = c.knowledge.list(limit=500)
        self.assertIsInstance(listed, kaine.KnowledgeList)
        self.assertEqual(listed.count, len(listed.documents))
        entry = next(d for d in listed.documents if d.id == doc.id)
        self.assertEqual(entry.title, "Refund policy")
        self.assertFalse(entry.text)

        found = c.knowledge.search(word, limit=3)
        self.assertIsInstance(found, kaine.KnowledgeSearch)
        self.assertEqual(found.count, len(found.hits))
        self.assertEqual(found.hits[0].doc_id, doc.id)
        self.assertGreater(found.hits[0].score, 0)
        self.assertIn(word, found.hits[0].snippet)

        self.assertEqual(c.knowledge.get(doc.id).text, text)
        self.assertTrue(c.knowledge.delete(doc.id).ok)
        with self.assertRaises(KaineError) as cm:
            c.knowledge.get(doc.id)
        self.assertEqual((cm.exception.status, cm.exception.code), (404, "not_found"))
        self.assertTrue(cm.exception.request_id)


@live
class ErrorTest(unittest.TestCase):
    def test_write_with_read_key_is_403(self) -> None:
        with self.assertRaises(KaineError) as cm:
            client(READ_KEY).leads.create(name="Nobody")
        e = cm.exception
        self.assertEqual((e.status, e.code), (403, "insufficient_scope"))
        self.assertTrue(e.message)
        self.assertTrue(e.request_id)
        self.assertIsNone(e.retry_after)

    def test_bad_body_is_400(self) -> None:
        c = client()
        with self.assertRaises(KaineError) as cm:
            c.leads.create()  # neither name nor email
        self.assertEqual((cm.exception.status, cm.exception.code), (400, "missing_fields"))
        self.assertTrue(cm.exception.request_id)
        with self.assertRaises(KaineError) as cm:
            c.llm("hello", temperature=5)
        self.assertEqual((cm.exception.status, cm.exception.code), (400, "invalid_field"))
        with self.assertRaises(KaineError) as cm:
            c.audit(limit=0)
        self.assertEqual((cm.exception.status, cm.exception.code), (400, "invalid_field"))

    def test_bad_key_is_401(self) -> None:
        with self.assertRaises(KaineError) as cm:
            client("kn_live_" + "0" * 32).me()
        self.assertEqual(cm.exception.status, 401)
        self.assertIn(cm.exception.code, ("invalid_api_key", "revoked_api_key"))


@live
class RateLimitTest(unittest.TestCase):
    def test_429_then_retried_after_retry_after(self) -> None:
        quick = client(LIMITED_KEY, max_retries=0)
        err: KaineError | None = None
        for _ in range(120):  # the account allows 60 at once: the 61st answers 429
            try:
                quick.me()
            except KaineError as e:
                err = e
                break
        self.assertIsNotNone(err, "no 429 in 120 quick calls")
        assert err is not None
        self.assertEqual((err.status, err.code), (429, "rate_limit_exceeded"))
        self.assertIsNotNone(err.retry_after)
        assert err.retry_after is not None
        self.assertGreater(err.retry_after, 0)
        self.assertTrue(err.request_id)

        patient = client(LIMITED_KEY, max_retries=2)
        start = time.monotonic()
        me = patient.me()
        elapsed = time.monotonic() - start
        self.assertEqual(sorted(me.scopes), ["read", "write"])
        self.assertGreaterEqual(elapsed, err.retry_after)


if __name__ == "__main__":
    unittest.main()
