"""The client against a scripted local server: retries, error shapes, streams,
decoding, timeouts — what a live gateway cannot show on demand."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import time
import unittest
from datetime import datetime, timedelta, timezone
from typing import Any
from unittest import mock

import kaine
from kaine import Client, Delta, Done, KaineError

from ._server import Reply, ScriptedServer, error_body

ME = {"user_id": 7, "username": "angel", "email": "angel@example.com", "scopes": ["read", "write"], "key_id": 3}
LEAD = {
    "id": 1, "name": "Ada", "email": "ada@example.com", "phone": "", "company": "", "source": "", "status": "new",
    "notes": "", "created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-01T10:00:00Z",
}
DONE = {"ok": True, "provider": "google", "model": "gemini-flash", "upstream_model": "gemini-2.5-flash-lite",
        "tokens_in": 18, "tokens_out": 14, "cost_usd": 0.000008}


def sse(event: str, data: str) -> bytes:
    return f"event: {event}\ndata: {data}\n\n".encode()


class LocalTest(unittest.TestCase):
    server: ScriptedServer

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = ScriptedServer()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.close()

    def client(self, **kw: Any) -> tuple[Client, list[float]]:
        """A client of the local server whose waits are recorded, not slept."""
        kw.setdefault("api_key", "kn_live_test")
        c = Client(base_url=self.server.url, **kw)
        sleeps: list[float] = []
        c._t.sleep = sleeps.append
        return c, sleeps


class RetryTest(LocalTest):
    def test_5xx_retried_for_get_with_backoff(self) -> None:
        self.server.script(
            Reply(500, error_body("internal_error")),
            Reply(502, "<html>Bad Gateway</html>", {"Content-Type": "text/html"}),
            Reply(200, ME),
        )
        c, sleeps = self.client()
        me = c.me()
        self.assertEqual(me.username, "angel")
        self.assertEqual([r.method for r in self.server.received], ["GET"] * 3)
        # exponential backoff from 0.5 s, with jitter of up to half again
        self.assertEqual(len(sleeps), 2)
        self.assertTrue(0.5 <= sleeps[0] <= 0.75, sleeps)
        self.assertTrue(1.0 <= sleeps[1] <= 1.5, sleeps)

    def test_5xx_retried_for_delete(self) -> None:
        self.server.script(Reply(500, error_body("internal_error")), Reply(200, {"ok": True}))
        c, _ = self.client()
        self.assertTrue(c.knowledge.delete(4).ok)
        self.assertEqual([(r.method, r.path) for r in self.server.received], [("DELETE", "/v1/knowledge/4")] * 2)

    def test_5xx_not_retried_for_post(self) -> None:
        self.server.script(Reply(500, error_body("provider_error", "every provider failed")), Reply(200, LEAD))
        c, sleeps = self.client()
        with self.assertRaises(KaineError) as cm:
            c.leads.create(name="Ada")
        self.assertEqual(cm.exception.status, 500)
        self.assertEqual(cm.exception.code, "provider_error")
        self.assertEqual(cm.exception.message, "every provider failed")
        self.assertEqual(cm.exception.request_id, "req-1")
        self.assertEqual(len(self.server.received), 1)
        self.assertEqual(sleeps, [])

    def test_5xx_not_retried_for_patch(self) -> None:
        self.server.script(Reply(502, "bad gateway"), Reply(200, LEAD))
        c, _ = self.client()
        with self.assertRaises(KaineError) as cm:
            c.leads.update(1, status="contacted")
        self.assertEqual(cm.exception.code, "http_502")
        self.assertEqual(len(self.server.received), 1)

    def test_503_store_unavailable_retried_for_post_after_retry_after(self) -> None:
        self.server.script(
            Reply(503, error_body("store_unavailable"), {"Retry-After": "2"}),
            Reply(201, LEAD),
        )
        c, sleeps = self.client()
        lead = c.leads.create(name="Ada", email="ada@example.com")
        self.assertEqual(lead.id, 1)
        self.assertEqual(sleeps, [2.0])
        self.assertEqual([r.json() for r in self.server.received], [{"name": "Ada", "email": "ada@example.com"}] * 2)

    def test_other_503_not_retried_for_post(self) -> None:
        self.server.script(Reply(503, "upstream down", {"Retry-After": "5"}), Reply(201, LEAD))
        c, _ = self.client()
        with self.assertRaises(KaineError) as cm:
            c.leads.create(name="Ada")
        self.assertEqual(cm.exception.code, "http_503")
        self.assertEqual(cm.exception.retry_after, 5.0)
        self.assertEqual(len(self.server.received), 1)

    def test_429_retried_for_post_honouring_retry_after(self) -> None:
        self.server.script(Reply(429, error_body("rate_limit_exceeded"), {"Retry-After": "1"}), Reply(200, DONE | {"text": "hi"}))
        c, sleeps = self.client()
        self.assertEqual(c.llm("hi").text, "hi")
        self.assertEqual(sleeps, [1.0])
        self.assertEqual(len(self.server.received), 2)

    def test_429_with_should_retry_false_not_retried(self) -> None:
        self.server.script(Reply(429, error_body("usage_cap_reached"), {"X-Should-Retry": "false"}), Reply(200, ME))
        c, sleeps = self.client()
        with self.assertRaises(KaineError) as cm:
            c.me()
        self.assertEqual(cm.exception.code, "usage_cap_reached")
        self.assertIsNone(cm.exception.retry_after)
        self.assertEqual(sleeps, [])

    def test_429_usage_cap_reached_not_retried(self) -> None:
        self.server.script(Reply(429, error_body("usage_cap_reached")), Reply(200, ME))
        c, sleeps = self.client()
        with self.assertRaises(KaineError) as cm:
            c.me()
        self.assertEqual(cm.exception.code, "usage_cap_reached")
        self.assertEqual(sleeps, [])
        self.assertEqual(len(self.server.received), 1)

    def test_retries_exhausted(self) -> None:
        self.server.script(*[Reply(429, error_body("rate_limit_exceeded"), {"Retry-After": "3"})] * 4)
        c, sleeps = self.client(max_retries=2)
        with self.assertRaises(KaineError) as cm:
            c.usage()
        self.assertEqual(cm.exception.status, 429)
        self.assertEqual(cm.exception.retry_after, 3.0)
        self.assertEqual(cm.exception.request_id, "req-3")
        self.assertEqual(len(self.server.received), 3)
        self.assertEqual(sleeps, [3.0, 3.0])

    def test_max_retries_zero(self) -> None:
        self.server.script(Reply(500, error_body("internal_error")), Reply(200, ME))
        c, _ = self.client(max_retries=0)
        with self.assertRaises(KaineError):
            c.me()
        self.assertEqual(len(self.server.received), 1)

    def test_real_wait_honours_retry_after(self) -> None:
        self.server.script(Reply(503, error_body("store_unavailable"), {"Retry-After": "1"}), Reply(200, ME))
        c = Client(api_key="k", base_url=self.server.url)
        start = time.monotonic()
        c.me()
        self.assertGreaterEqual(time.monotonic() - start, 1.0)

    def test_network_error_retried_for_get_only(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]  # closed once the with ends: connections are refused
        c = Client(api_key="k", base_url=f"http://127.0.0.1:{port}", max_retries=2)
        sleeps: list[float] = []
        c._t.sleep = sleeps.append
        with self.assertRaises(KaineError) as cm:
            c.me()
        self.assertEqual(cm.exception.status, 0)
        self.assertEqual(cm.exception.code, "connection_error")
        self.assertEqual(len(sleeps), 2)
        sleeps.clear()
        with self.assertRaises(KaineError) as cm:
            c.llm("hi")
        self.assertEqual(cm.exception.code, "connection_error")
        self.assertEqual(sleeps, [])

    def test_timeout(self) -> None:
        self.server.script(Reply(200, ME, delay=1.0))
        c, _ = self.client(timeout=0.2, max_retries=0)
        with self.assertRaises(KaineError) as cm:
            c.me()
        self.assertEqual(cm.exception.code, "timeout")
        self.assertEqual(cm.exception.status, 0)


class ErrorShapeTest(LocalTest):
    def test_non_json_error_body(self) -> None:
        self.server.script(Reply(502, "<html><body>502 Bad Gateway</body></html>", {"Content-Type": "text/html"}))
        c, _ = self.client()
        with self.assertRaises(KaineError) as cm:
            c.landing_pages.create("Acme", "Roofing")
        e = cm.exception
        self.assertEqual((e.status, e.code), (502, "http_502"))
        self.assertIn("502 Bad Gateway", e.message)
        self.assertEqual(e.request_id, "req-1")
        self.assertIsNone(e.retry_after)

    def test_json_error_without_detail(self) -> None:
        self.server.script(Reply(418, {"error": "teapot"}))
        c, _ = self.client()
        with self.assertRaises(KaineError) as cm:
            c.ping()
        self.assertEqual(cm.exception.code, "http_418")

    def test_empty_error_body(self) -> None:
        self.server.script(Reply(404, b""))
        c, _ = self.client()
        with self.assertRaises(KaineError) as cm:
            c.videos.get("vid_0123456789abcdef")
        self.assertEqual((cm.exception.status, cm.exception.code), (404, "http_404"))

    def test_front_error_shape_reads_detail(self) -> None:
        body = {"error": {"message": "m", "type": "rate_limit_error", "code": "rate_limit_exceeded", "param": None}}
        body |= error_body("rate_limit_exceeded", "slow down")
        self.server.script(Reply(429, body, {"Retry-After": "7"}))
        c, _ = self.client(max_retries=0)
        with self.assertRaises(KaineError) as cm:
            c.me()
        e = cm.exception
        self.assertEqual((e.code, e.message, e.retry_after, e.docs), ("rate_limit_exceeded", "slow down", 7.0,
                                                                      "https://keine.tech/api-docs"))
        self.assertIn("429 rate_limit_exceeded", str(e))

    def test_retry_after_as_http_date(self) -> None:
        when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
        self.server.script(Reply(429, error_body("rate_limit_exceeded"), {"Retry-After": when}))
        c, _ = self.client(max_retries=0)
        with self.assertRaises(KaineError) as cm:
            c.me()
        self.assertIsNotNone(cm.exception.retry_after)
        self.assertTrue(25 <= (cm.exception.retry_after or 0) <= 31)

    def test_success_answer_not_json(self) -> None:
        self.server.script(Reply(200, "ok"))
        c, _ = self.client()
        with self.assertRaises(KaineError) as cm:
            c.ping()
        self.assertEqual((cm.exception.status, cm.exception.code), (200, "invalid_response"))


class DecodeTest(LocalTest):
    def test_unknown_fields_ignored(self) -> None:
        self.server.script(Reply(200, ME | {"new_field": {"x": 1}, "plan": "gold"}))
        c, _ = self.client()
        me = c.me()
        self.assertEqual(me, kaine.Me(user_id=7, username="angel", email="angel@example.com",
                                      scopes=["read", "write"], key_id=3))

    def test_required_field_missing(self) -> None:
        me = dict(ME)
        del me["key_id"]
        self.server.script(Reply(200, me))
        c, _ = self.client()
        with self.assertRaises(KaineError) as cm:
            c.me()
        self.assertEqual(cm.exception.code, "invalid_response")
        self.assertIn("key_id", cm.exception.message)
        self.assertEqual(cm.exception.request_id, "req-1")

    def test_nested_and_keyword_fields(self) -> None:
        providers = {
            "providers": [{
                "name": "google", "protocol": "gemini", "configured": True, "available": True, "breaker": "closed",
                "unpriced": "refuse", "future": 1,
                "models": [{
                    "id": "gemini-3.8-flash", "aliases": ["gemini"], "input_usd_per_mtok": 0.75,
                    "output_usd_per_mtok": 3.75, "cache_read_usd_per_mtok": 0.075, "cache_write_usd_per_mtok": 1,
                    "cache_write_1h_usd_per_mtok": 1,
                    "next_price": {"from": "2027-01-01", "input_usd": 1.5, "output_usd": 7.5},
                }],
                "live_models": {"checked_at": "2026-12-06T00:00:00Z", "unpriced": [], "unserved": ["x"]},
            }],
            "routing": {"auto": "rules", "cheap_task_types": ["summarize"], "byok_fee_usd": 0.0005,
                        "cheap_route": [{"model": "gemini-flash", "provider": "google", "available": True}],
                        "default_route": []},
        }
        self.server.script(Reply(200, providers))
        c, _ = self.client()
        p = c.providers()
        m = p.providers[0].models[0]
        self.assertIsInstance(m, kaine.ModelStatus)
        self.assertEqual(m.cache_write_usd_per_mtok, 1.0)
        self.assertIsInstance(m.cache_write_usd_per_mtok, float)
        assert m.next_price is not None
        self.assertEqual(m.next_price.from_, "2027-01-01")
        assert p.providers[0].live_models is not None
        self.assertEqual(p.providers[0].live_models.unserved, ["x"])
        self.assertEqual(p.routing.cheap_route[0], kaine.RouteStep(model="gemini-flash", provider="google",
                                                                    available=True))

    def test_required_nullable_field(self) -> None:
        video = {"ok": True, "video_id": "vid_0123456789abcdef", "status": "queued", "provider": "runway",
                 "duration": 5, "cost_usd": 0, "created_at": "2026-12-01T10:00:00Z", "finished_at": None}
        self.server.script(Reply(200, video), Reply(200, {k: v for k, v in video.items() if k != "finished_at"}))
        c, _ = self.client()
        self.assertIsNone(c.videos.create("a city", duration=5, provider="runway").finished_at)
        self.assertEqual(self.server.received[0].json(), {"prompt": "a city", "duration": 5, "provider": "runway"})
        with self.assertRaises(KaineError):
            c.videos.get("vid_0123456789abcdef")


class RequestTest(LocalTest):
    def test_headers_paths_queries_and_bodies(self) -> None:
        self.server.script(
            Reply(200, {"records": [], "count": 0}),
            Reply(200, {"leads": [], "count": 0}),
            Reply(200, {"hits": [], "count": 0}),
            Reply(200, {"ok": True, "agent_name": "a", "run_id": 1, "status": "running", "summary": "", "steps": 0,
                        "tool_calls": [], "revised": False, "cost_usd": 0, "tokens_in": 0, "tokens_out": 0}),
            Reply(200, DONE | {"text": "x"}),
            Reply(200, {"ok": True, "version": "v1"}),
        )
        c = Client(api_key="kn_live_abc", base_url=self.server.url + "/prefix/")
        c.audit(limit=5, endpoint="/v1/llm")
        c.leads.list(status="new")
        c.knowledge.search("refund policy", limit=3)
        c.agents.run("lead_crm_agent", "do it", async_=True)
        c.llm("hello", task_type="summarize", max_tokens=80, temperature=0.2, future_field="x")
        Client(api_key="", base_url=self.server.url).ping()
        r = self.server.received
        self.assertEqual(r[0].path, "/prefix/v1/audit?limit=5&endpoint=%2Fv1%2Fllm")
        self.assertEqual(r[0].headers["authorization"], "Bearer kn_live_abc")
        self.assertNotIn("content-type", r[0].headers)
        self.assertEqual(r[1].path, "/prefix/v1/leads?status=new")
        self.assertEqual(r[2].path, "/prefix/v1/knowledge?q=refund+policy&limit=3")
        self.assertEqual(r[3].json(), {"agent_name": "lead_crm_agent", "goal": "do it", "async": True})
        self.assertEqual(r[4].headers["content-type"], "application/json")
        self.assertEqual(r[4].json(), {"prompt": "hello", "task_type": "summarize", "max_tokens": 80,
                                       "temperature": 0.2, "future_field": "x"})
        self.assertNotIn("authorization", r[5].headers)

    def test_environment(self) -> None:
        with mock.patch.dict(os.environ, {"KAINE_API_KEY": "kn_live_env", "KAINE_BASE_URL": self.server.url}):
            c = Client()
        self.assertEqual((c.api_key, c.base_url), ("kn_live_env", self.server.url))
        with mock.patch.dict(os.environ, {}, clear=True):
            c = Client()
        self.assertEqual((c.api_key, c.base_url), (None, "https://keine.tech"))
        self.assertEqual((c.timeout, c.max_retries), (60.0, 2))
        with mock.patch.dict(os.environ, {"KAINE_API_KEY": "kn_live_env"}):
            self.assertEqual(Client(api_key="kn_live_arg").api_key, "kn_live_arg")
        with self.assertRaises(ValueError):
            Client(base_url="ftp://example.com")

    def test_stream_argument_refused(self) -> None:
        c, _ = self.client()
        with self.assertRaises(TypeError):
            c.llm("hi", stream=True)


class StreamTest(LocalTest):
    def test_deltas_then_done(self) -> None:
        self.server.script(Reply(200, chunks=[
            b": a comment\n\n",
            sse("delta", '{"text":"Hel"}'),
            b"event: delta\r\ndata: {\"text\":\"lo, \"}\r\n\r\nevent: del",  # CRLF, and an event cut across chunks
            b"ta\ndata:{\"text\":\"world\"}\n\n",
            sse("ping", "{}"),  # an event this SDK does not know
            sse("done", '{"ok":true,"provider":"google","model":"gemini-flash","upstream_model":"g",'
                        '"tokens_in":18,"tokens_out":3,"cost_usd":0.00001,"usage_estimated":true,"later":1}'),
        ], headers={"X-Kaine-Provider": "google", "X-Kaine-Model": "gemini-flash"},
            trailers={"X-Kaine-Cost-USD": "0.00001", "X-Kaine-Overhead-Ms": "1.2"}))
        c, _ = self.client()
        with c.llm_stream("hello", max_tokens=10) as s:
            events = list(s)
        self.assertEqual(self.server.received[0].json(), {"prompt": "hello", "max_tokens": 10, "stream": True})
        self.assertEqual(self.server.received[0].headers["accept"], "text/event-stream, application/json")
        self.assertEqual(events[:-1], [Delta(text="Hel"), Delta(text="lo, "), Delta(text="world")])
        done = events[-1]
        assert isinstance(done, Done)
        self.assertIsInstance(done, kaine.LlmAnswer)
        self.assertEqual((done.tokens_in, done.tokens_out, done.cost_usd, done.usage_estimated), (18, 3, 1e-05, True))
        self.assertIsNone(done.text)
        self.assertEqual(s.text, "Hello, world")
        self.assertEqual(s.done, done)
        self.assertEqual((s.request_id, s.provider, s.model), ("req-1", "google", "gemini-flash"))

    def test_error_event_raises(self) -> None:
        self.server.script(Reply(200, chunks=[
            sse("delta", '{"text":"Hello"}'),
            sse("error", '{"detail":{"error":"provider_error","message":"the provider broke off","docs":"d"}}'),
        ]))
        c, _ = self.client()
        s = c.llm_stream("hello")
        self.assertEqual(next(s), Delta(text="Hello"))
        with self.assertRaises(KaineError) as cm:
            next(s)
        e = cm.exception
        self.assertEqual((e.status, e.code, e.message, e.request_id), (500, "provider_error", "the provider broke off",
                                                                      "req-1"))
        with self.assertRaises(StopIteration):
            next(s)

    def test_error_event_not_kaine_shape(self) -> None:
        self.server.script(Reply(200, chunks=[sse("error", "upstream exploded")]))
        c, _ = self.client()
        with self.assertRaises(KaineError) as cm:
            list(c.llm_stream("hello"))
        self.assertEqual(cm.exception.code, "stream_error")

    def test_cut_before_done(self) -> None:
        self.server.script(Reply(200, chunks=[sse("delta", '{"text":"Hel"}')]))
        c, _ = self.client()
        got: list[Any] = []
        with self.assertRaises(KaineError) as cm:
            for ev in c.llm_stream("hello"):
                got.append(ev)
        self.assertEqual(got, [Delta(text="Hel")])
        self.assertEqual(cm.exception.code, "stream_interrupted")

    def test_error_before_stream_raises_at_call_and_is_retried(self) -> None:
        self.server.script(
            Reply(429, error_body("rate_limit_exceeded"), {"Retry-After": "1"}),
            Reply(403, error_body("insufficient_scope", "needs write")),
        )
        c, sleeps = self.client()
        with self.assertRaises(KaineError) as cm:
            c.llm_stream("hello")
        self.assertEqual((cm.exception.status, cm.exception.code, cm.exception.request_id),
                         (403, "insufficient_scope", "req-2"))
        self.assertEqual(sleeps, [1.0])

    def test_json_answer_to_a_stream(self) -> None:
        self.server.script(Reply(200, DONE | {"text": "All at once."}))
        c, _ = self.client()
        events = list(c.llm_stream("hello"))
        self.assertEqual(events[0], Delta(text="All at once."))
        done = events[1]
        assert isinstance(done, Done)
        self.assertEqual((done.text, done.tokens_out), ("All at once.", 14))
        self.assertEqual(len(events), 2)

    def test_wait_for_an_event_times_out(self) -> None:
        self.server.script(Reply(200, chunks=[sse("delta", '{"text":"a"}'), sse("done", "{}")], chunk_delay=0.6))
        c, _ = self.client(timeout=0.3)
        with self.assertRaises(KaineError) as cm:
            list(c.llm_stream("hello"))
        self.assertEqual(cm.exception.code, "timeout")

    def test_slow_stream_within_timeout_per_event(self) -> None:
        done = '{"ok":true,"provider":"p","model":"m","upstream_model":"u","tokens_in":1,"tokens_out":3,"cost_usd":0}'
        self.server.script(Reply(200, chunks=[sse("delta", '{"text":"a"}'), sse("delta", '{"text":"b"}'),
                                              sse("delta", '{"text":"c"}'), sse("done", done)], chunk_delay=0.2))
        c, _ = self.client(timeout=0.5)  # the whole stream takes longer than the timeout, no wait does
        self.assertEqual(c.llm_stream("hello").until_done().tokens_out, 3)

    def test_close_early(self) -> None:
        self.server.script(Reply(200, chunks=[sse("delta", '{"text":"a"}')] * 3 + [sse("done", "{}")]))
        c, _ = self.client()
        s = c.llm_stream("hello")
        self.assertEqual(next(s), Delta(text="a"))
        s.close()
        s.close()



def audit_record(id: int) -> dict[str, Any]:
    return {"id": id, "key_id": 3, "request_id": f"req-{id}", "endpoint": "/v1/llm", "method": "POST", "status": 200,
            "provider": "openai", "model": "gpt-4.1-mini", "tokens_in": 10, "tokens_out": 5, "cost_usd": 0.25,
            "latency_ms": 12, "timestamp": "2026-12-06T10:00:00Z"}


def ndjson(*objs: Any) -> list[bytes]:
    return [json.dumps(o).encode() + b"\n" for o in objs]


NDJSON = {"Content-Type": "application/x-ndjson"}
CSV = {"Content-Type": "text/csv; charset=utf-8"}
CSV_ROWS = (
    b"id,timestamp,key_id,request_id,method,endpoint,status,provider,model,tokens_in,tokens_out,cost_usd,"
    b"latency_ms,error,resource,note\n"
    b"3,2026-12-06T10:00:00Z,3,req-3,POST,/v1/llm,200,openai,gpt-4.1-mini,10,5,0.25,12,,,\n"
    # A quoted cell whose lines look like a summary is not one.
    b'2,2026-12-06T09:00:00Z,3,req-2,GET,"/v1/x\n# count=1 cost_usd=0\n",404,,,0,0,0,1,not_found,,\n'
)


class AuditTest(LocalTest):
    def test_filters_in_the_query(self) -> None:
        self.server.script(Reply(200, {"records": [], "count": 0}), Reply(200, {"records": [], "count": 0}))
        c, _ = self.client()
        c.audit(2, "/v1/llm", before=4097, key_id=3, status=429, provider="openai", model="gpt-4.1-mini",
                since=datetime(2026, 11, 1, 1, tzinfo=timezone(timedelta(hours=1))),
                until="2026-12-01T00:00:00+01:00")
        c.audit()
        self.assertEqual([r.path for r in self.server.received], [
            "/v1/audit?limit=2&before=4097&endpoint=%2Fv1%2Fllm&key_id=3&status=429&provider=openai"
            "&model=gpt-4.1-mini&since=2026-11-01T00%3A00%3A00Z&until=2026-12-01T00%3A00%3A00%2B01%3A00",
            "/v1/audit",
        ])
        with self.assertRaises(ValueError):
            c.audit(since=datetime(2026, 11, 1))  # naive: which zone?
        with self.assertRaises(TypeError):
            c.audit(until=1700000000)  # type: ignore[arg-type]

    def test_audit_all_follows_next_before(self) -> None:
        # Pages of 2: whole, short, empty but going on (a filter's scan budget), last.
        self.server.script(
            Reply(200, {"records": [audit_record(9), audit_record(8)], "count": 2, "next_before": 8}),
            Reply(200, {"records": [audit_record(5)], "count": 1, "next_before": 4}),
            Reply(200, {"records": [], "count": 0, "next_before": 2}),
            Reply(200, {"records": [audit_record(1)], "count": 1}),
        )
        c, _ = self.client()
        records = list(c.audit_all(2, status=200))
        self.assertEqual([r.id for r in records], [9, 8, 5, 1])
        self.assertIsInstance(records[0], kaine.AuditRecord)
        self.assertEqual([r.path for r in self.server.received], [
            "/v1/audit?limit=2&status=200",
            "/v1/audit?limit=2&before=8&status=200",
            "/v1/audit?limit=2&before=4&status=200",
            "/v1/audit?limit=2&before=2&status=200",
        ])
        self.server.script(Reply(200, {"records": [audit_record(9), audit_record(8)], "count": 2, "next_before": 8}))
        for r in c.audit_all(2):
            if r.id == 8:
                break
        self.assertEqual(len(self.server.received), 1, "leaving the loop stops the paging")
        self.server.script(Reply(200, {"records": [], "count": 0, "next_before": 99}))
        with self.assertRaises(KaineError) as cm:
            list(c.audit_all(before=99))
        self.assertEqual(cm.exception.code, "invalid_response")

    def test_export_records_then_summary(self) -> None:
        a, b, summary = ndjson(audit_record(3), audit_record(2), {"summary": {"count": 2, "cost_usd": 0.5}})
        self.server.script(Reply(200, chunks=[a[:20], a[20:] + b"\n", b, summary], headers=NDJSON,
                                 trailers={"X-Kaine-Export-Count": "2"}))
        c, _ = self.client()
        with c.audit_export("/v1/llm", since="2026-12-01T00:00:00Z") as export:
            records = list(export)
        self.assertEqual([r.id for r in records], [3, 2])
        self.assertEqual(records[0], kaine.AuditRecord(**audit_record(3)))
        self.assertEqual(export.summary, kaine.AuditExportSummary(count=2, cost_usd=0.5))
        self.assertEqual((export.count, export.request_id), (2, "req-1"))
        r = self.server.received[0]
        self.assertEqual(r.path, "/v1/audit/export?endpoint=%2Fv1%2Fllm&since=2026-12-01T00%3A00%3A00Z&format=ndjson")
        self.assertEqual(r.headers["accept"], "application/x-ndjson")

    def test_export_cut_is_incomplete_never_resumed(self) -> None:
        (a,) = ndjson(audit_record(3))
        for chunks in ([a], [a, b'{"summary":{"count"'], [a.rstrip()], []):
            self.server.script(Reply(200, chunks=chunks, headers=NDJSON), Reply(200, chunks=[], headers=NDJSON))
            c, _ = self.client()
            export = c.audit_export()
            got: list[Any] = []
            with self.assertRaises(KaineError) as cm:
                for r in export:
                    got.append(r)
            e = cm.exception
            self.assertEqual((e.status, e.code, e.request_id), (200, "export_incomplete", "req-1"), chunks)
            self.assertEqual(len(got), 1 if chunks and chunks[0].endswith(b"\n") else 0)
            self.assertIsNone(export.summary)
            self.assertEqual(len(self.server.received), 1)
        self.server.script(Reply(200, chunks=ndjson(audit_record(3), {"summary": {"count": 2, "cost_usd": 0.5}}),
                                 headers=NDJSON))
        with self.assertRaises(KaineError) as cm:
            list(c.audit_export())
        self.assertEqual(cm.exception.code, "invalid_response")  # a summary that miscounts

    def test_export_retried_before_its_body_and_refused_at_the_call(self) -> None:
        self.server.script(Reply(500, error_body("internal_error")),
                           Reply(200, chunks=ndjson({"summary": {"count": 0, "cost_usd": 0}}), headers=NDJSON))
        c, sleeps = self.client()
        export = c.audit_export()
        self.assertEqual(list(export), [])
        self.assertEqual(export.summary, kaine.AuditExportSummary(count=0, cost_usd=0))
        self.assertEqual(len(sleeps), 1)
        self.server.script(Reply(403, error_body("insufficient_scope")))
        with self.assertRaises(KaineError) as cm:
            c.audit_export_csv()
        self.assertEqual((cm.exception.status, cm.exception.code), (403, "insufficient_scope"))

    def test_export_times_each_wait_not_the_reader(self) -> None:
        self.server.script(Reply(200, chunks=ndjson(audit_record(3), {"summary": {"count": 1, "cost_usd": 0.25}}),
                                 headers=NDJSON, chunk_delay=0.6))
        c, _ = self.client(timeout=0.3)
        with self.assertRaises(KaineError) as cm:
            list(c.audit_export())
        self.assertEqual(cm.exception.code, "export_incomplete")
        self.assertIn("no data within 0.3 s", cm.exception.message)

        self.server.script(Reply(200, chunks=ndjson(audit_record(3), audit_record(2),
                                                    {"summary": {"count": 2, "cost_usd": 0.5}}),
                                 headers=NDJSON, chunk_delay=0.1))
        c, _ = self.client(timeout=0.5)
        export = c.audit_export()
        for _ in export:
            time.sleep(0.6)  # longer than the timeout: the reader's own time is not counted
        self.assertEqual(export.summary.count if export.summary else None, 2)

    def test_export_csv(self) -> None:
        self.server.script(Reply(200, chunks=[CSV_ROWS[:40], CSV_ROWS[40:], b"# count=2 cost_usd=0.25\n"],
                                 headers=CSV))
        c, _ = self.client()
        with c.audit_export_csv(status=200, provider="openai") as export:
            out = io.BytesIO()
            shutil.copyfileobj(export, out, 16)
        self.assertEqual(out.getvalue(), CSV_ROWS + b"# count=2 cost_usd=0.25\n")
        self.assertEqual(export.summary, kaine.AuditExportSummary(count=2, cost_usd=0.25))
        self.assertEqual(export.read(), b"")
        r = self.server.received[0]
        self.assertEqual(r.path, "/v1/audit/export?status=200&provider=openai&format=csv")
        self.assertEqual(r.headers["accept"], "text/csv")
        rows = list(csv.reader(io.StringIO(out.getvalue().decode())))
        self.assertEqual((len(rows), rows[2][5]), (4, "/v1/x\n# count=1 cost_usd=0\n"))

        # Iterated, then cut inside the quoted cell, after a line that looks like a summary.
        self.server.script(Reply(200, chunks=[CSV_ROWS[:CSV_ROWS.index(b"cost_usd=0\n") + 11]], headers=CSV))
        export = c.audit_export_csv()
        got = b""
        with self.assertRaises(KaineError) as cm:
            for chunk in export:
                got += chunk
        self.assertEqual(cm.exception.code, "export_incomplete")
        self.assertTrue(got.endswith(b"# count=1 cost_usd=0\n"))
        self.assertIsNone(export.summary)
        with self.assertRaises(KaineError):
            export.read()


if __name__ == "__main__":
    unittest.main()
