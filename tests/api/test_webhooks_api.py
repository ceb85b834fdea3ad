"""Webhooks against a real local HTTP receiver (http.server in a thread on 127.0.0.1):
signatures, retries with backoff, order per case, the delivery log, and a URL that does
not answer losing nothing — on SQLite and (marked postgres) on PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from api_helpers import EXAMPLES, Api, MakeApi, every_page, post_map, start_fit, upload, wait_fit

from journeymap.limits import WEBHOOK_MAX_ATTEMPTS


@dataclass
class Receiver:
    """Answers 500 to the first ``fail_first`` requests (or all while ``down``), else 204;
    records every request's headers and raw body."""

    fail_first: int = 0
    down: bool = False
    seen: list[tuple[dict[str, str], bytes, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            code = 500 if self.down or len(self.seen) < self.fail_first else 204
            self.seen.append((headers, body, code))
            return code

    def delivered(self) -> list[tuple[dict[str, str], bytes]]:
        with self.lock:
            return [(h, b) for h, b, c in self.seen if c == 204]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            code = state.answer({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            """Quiet: the test reads the delivery log, not the server's own log."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The verification snippet of docs/closing-the-loop.md."""
    stamp = headers["x-journeymap-timestamp"]
    expected = "sha256=" + hmac.new(secret.encode(), stamp.encode() + b"." + body,
                                    hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["x-journeymap-signature"])


def _small_dataset(api: Api, tmp_path: Path, h: dict[str, str]) -> str:
    df = pd.read_csv(EXAMPLES / "kitchen_b2b.csv").head(400)
    path = tmp_path / "small.csv"
    df.to_csv(path, index=False)
    r = upload(api.client, h, path)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _wait(check: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.slow
def test_events_are_signed_retried_in_order_and_logged(make_api: MakeApi, db_url: str,
                                                        receiver: Receiver,
                                                        tmp_path: Path) -> None:
    receiver.fail_first = 3
    with make_api(db_url, webhook_poll_seconds=0.05, webhook_backoff_seconds=0.05) as api:
        h = api.workspace("acme")
        r = api.client.post("/v1/webhooks", json={"url": receiver.url}, headers=h)
        assert r.status_code == 201
        hook = r.json()
        secret = hook["secret"]
        assert secret.startswith("whsec_")
        listed = api.client.get("/v1/webhooks", headers=h).json()["webhooks"]
        assert "secret" not in listed[0]
        assert secret not in json.dumps(listed)
        m = post_map(api.client, h)
        d = _small_dataset(api, tmp_path, h)
        assert wait_fit(api.client, h, start_fit(api.client, h, m["id"], d)["id"])[
            "status"] == "done"
        cases = every_page(api.client, h, "/v1/cases", "cases")
        assert len(cases) > 5
        first = cases[0]
        path = f"/v1/cases/{first['id']}"
        assert api.client.patch(path, json={"status": "contacted"}, headers=h).status_code == 200
        assert api.client.patch(path, json={"status": "closed", "note": "called"},
                                headers=h).status_code == 200
        log_path = f"/v1/webhooks/{hook['id']}/deliveries"

        def all_delivered() -> bool:
            log = every_page(api.client, h, log_path, "deliveries")
            return len(log) == len(cases) + 2 and all(x["status"] == "delivered" for x in log)

        _wait(all_delivered, "every delivery")
        delivered = receiver.delivered()
        assert len(delivered) == len(cases) + 2  # each event delivered once
        assert sum(1 for *_, c in receiver.seen if c == 500) == 3
        for headers, body in delivered:
            assert _verify(secret, headers, body)
            assert not _verify("whsec_wrong", headers, body)
        # order per case: the first case's events arrive as 1, 2, 3
        events = [json.loads(b) for _, b in delivered]
        mine = [(e["seq"], e["event"], e["case"]["status"]) for e in events
                if e["case"]["id"] == first["id"]]
        assert mine == [(1, "case.opened", "open"), (2, "case.updated", "contacted"),
                        (3, "case.updated", "closed")]
        assert all(e["case"]["response_id"] for e in events)
        assert not any("comment" in e["case"] for e in events)
        # the delivery log shows the three failed attempts
        log = every_page(api.client, h, log_path, "deliveries")
        assert sum(x["attempts"] - 1 for x in log) == 3
        assert sum(1 for x in log if x["last_error"] == "the receiver answered 500") >= 1
        assert api.client.get(log_path, headers=api.workspace("other")).status_code == 404


@pytest.mark.slow
def test_a_url_that_does_not_answer_loses_nothing(make_api: MakeApi, db_url: str,
                                                  receiver: Receiver, tmp_path: Path) -> None:
    receiver.down = True
    with make_api(db_url, webhook_poll_seconds=0.02, webhook_backoff_seconds=0.01) as api:
        h = api.workspace("acme")
        hook = api.client.post("/v1/webhooks", json={"url": receiver.url}, headers=h).json()
        m = post_map(api.client, h)
        d = _small_dataset(api, tmp_path, h)
        wait_fit(api.client, h, start_fit(api.client, h, m["id"], d)["id"])
        n_cases = len(every_page(api.client, h, "/v1/cases", "cases"))
        log_path = f"/v1/webhooks/{hook['id']}/deliveries"

        def some_failed() -> bool:
            log = every_page(api.client, h, log_path, "deliveries")
            return any(x["status"] == "failed" for x in log)

        _wait(some_failed, "a failed delivery")
        log = every_page(api.client, h, log_path, "deliveries")
        failed = [x for x in log if x["status"] == "failed"]
        assert all(x["attempts"] == WEBHOOK_MAX_ATTEMPTS for x in failed)
        assert all(x["last_status_code"] == 500 for x in failed)
        assert receiver.delivered() == []
        # the receiver comes back: a retry delivers everything, nothing lost
        receiver.down = False
        _wait(lambda: all(x["status"] != "pending" for x in every_page(
            api.client, h, log_path, "deliveries")), "the first round to end")
        r = api.client.post(f"/v1/webhooks/{hook['id']}/retry", headers=h)
        assert r.json()["queued"] >= 1
        _wait(lambda: all(x["status"] == "delivered" for x in every_page(
            api.client, h, log_path, "deliveries")), "every delivery after the retry")
        ids = [json.loads(b)["case"]["id"] for _, b in receiver.delivered()]
        assert len(ids) == len(set(ids)) == n_cases


def test_a_webhook_url_must_be_http_and_is_deleted_with_its_log(api: Api) -> None:
    h = api.workspace("acme")
    r = api.client.post("/v1/webhooks", json={"url": "ftp://example.org/x"}, headers=h)
    assert r.status_code == 422
    assert "http://" in r.json()["detail"]
    hook = api.client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/x"},
                           headers=h).json()
    assert api.client.get(f"/v1/webhooks/{hook['id']}", headers=h).json()["pending"] == 0
    assert api.client.delete(f"/v1/webhooks/{hook['id']}", headers=h).status_code == 204
    assert api.client.get(f"/v1/webhooks/{hook['id']}", headers=h).status_code == 404


@pytest.mark.slow
def test_cases_of_appended_responses_are_sent_like_a_fits(make_api: MakeApi, db_url: str,
                                                          receiver: Receiver) -> None:
    survey = pd.read_csv(EXAMPLES / "kitchen_b2b.csv")
    with make_api(db_url, webhook_poll_seconds=0.05, webhook_backoff_seconds=0.05) as api:
        h = api.workspace("acme")
        secret = api.client.post("/v1/webhooks", json={"url": receiver.url},
                                 headers=h).json()["secret"]
        m = post_map(api.client, h)
        d = upload(api.client, h, content=survey.iloc[:100].to_csv(index=False).encode(),
                   filename="q1.csv").json()
        r = api.client.post(f"/v1/datasets/{d['id']}/responses?map_id={m['id']}",
                            content=survey.iloc[100:200].to_csv(index=False).encode(),
                            headers={**h, "Content-Type": "text/csv"})
        opened = r.json()["cases"]["opened"]
        assert opened > 5
        _wait(lambda: len(receiver.delivered()) == opened, "the appended cases' events")
        cases = {c["id"]: c for c in every_page(api.client, h, "/v1/cases", "cases")}
        events = [json.loads(b) for _, b in receiver.delivered()]
        assert all(_verify(secret, hd, b) for hd, b in receiver.delivered())
        assert sorted(e["case"]["id"] for e in events) == sorted(cases)
        assert {(e["event"], e["seq"]) for e in events} == {("case.opened", 1)}
        assert all(e["case"]["response_id"] == cases[e["case"]["id"]]["response_id"]
                   for e in events)


@pytest.mark.slow
def test_a_url_added_later_gets_old_cases_only_by_replay_and_once(
        make_api: MakeApi, db_url: str, receiver: Receiver, tmp_path: Path) -> None:
    with make_api(db_url, webhook_poll_seconds=0.05, webhook_backoff_seconds=0.05) as api:
        h = api.workspace("acme")
        m = post_map(api.client, h)
        d = _small_dataset(api, tmp_path, h)
        wait_fit(api.client, h, start_fit(api.client, h, m["id"], d)["id"])
        cases = every_page(api.client, h, "/v1/cases", "cases")
        first = cases[0]
        assert api.client.patch(f"/v1/cases/{first['id']}", json={"status": "contacted"},
                                headers=h).status_code == 200
        hook = api.client.post("/v1/webhooks", json={"url": receiver.url}, headers=h).json()
        log_path = f"/v1/webhooks/{hook['id']}/deliveries"
        assert every_page(api.client, h, log_path, "deliveries") == []  # no old case
        replay = f"/v1/webhooks/{hook['id']}/replay"
        r = api.client.post(replay, params={"status": "contacted"}, headers=h)
        assert r.json() == {"queued": 1}
        r = api.client.post(replay, headers=h)
        assert r.json() == {"queued": len(cases) - 1}
        assert api.client.post(replay, headers=h).json() == {"queued": 0}  # once
        assert api.client.post(replay, headers=api.workspace("other")).status_code == 404
        _wait(lambda: len(receiver.delivered()) == len(cases), "the replayed cases")
        events = [json.loads(b) for _, b in receiver.delivered()]
        assert all(_verify(hook["secret"], hd, b) for hd, b in receiver.delivered())
        assert sorted(e["case"]["id"] for e in events) == sorted(c["id"] for c in cases)
        assert {(e["event"], e["seq"]) for e in events} == {("case.replayed", 1)}
        mine = next(e for e in events if e["case"]["id"] == first["id"])
        assert mine["case"]["status"] == "contacted"  # as it is now
        # a later change follows in order
        assert api.client.patch(f"/v1/cases/{first['id']}",
                                json={"status": "closed", "note": "fixed"},
                                headers=h).status_code == 200
        _wait(lambda: len(receiver.delivered()) == len(cases) + 1, "the later change")
        last = json.loads(receiver.delivered()[-1][1])
        assert (last["event"], last["seq"], last["case"]["status"]) == (
            "case.updated", 2, "closed")
