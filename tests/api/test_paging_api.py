"""Paging of ``GET /v1/cases`` and ``GET /v1/webhooks/{id}/deliveries`` (docs/api.md,
"Conventions"): walking every ``next`` link returns every item exactly once, in the
documented order, with the filters kept; ``limit`` and ``offset`` out of range and unknown
query parameters are one 422 each; the CSV stays complete.  On SQLite and (marked
postgres) PostgreSQL."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from api_helpers import Api, MakeApi, every_page, post_dataset
from journeymap_api.models import CaseRecord, Dataset, WebhookDelivery

from journeymap.limits import PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX

T0 = datetime(2026, 1, 30, 12, 0, tzinfo=UTC)
ROLES = ("Sälj", "Installatör", None)
STATUSES = ("open", "contacted", "closed")


def _plant_cases(api: Api, h: dict[str, str], n: int) -> list[dict[str, Any]]:
    """``n`` cases over two datasets (the same response ids in both), with many equal
    due times, opened in January, February and March; returns them as planted."""
    datasets = [uuid.UUID(post_dataset(api.client, h)["id"]) for _ in range(2)]
    planted = []
    with api.client.app.state.sessions() as session:  # type: ignore[attr-defined]
        workspace_id = session.get(Dataset, datasets[0]).workspace_id
        for i in range(n):
            case = {"id": uuid.uuid4(), "dataset_id": datasets[i % 2],
                    "response_id": f"r{i // 2:03d}", "role": ROLES[i % 3],
                    "status": STATUSES[(i // 3) % 3],
                    "opened_at": T0 + timedelta(days=(i % 4) * 15, minutes=i),
                    "due_at": T0 + timedelta(hours=i % 7)}  # 7 due times: many ties
            session.add(CaseRecord(workspace_id=workspace_id, fit_id=None,
                                   reasons="detractor", ltr=3, touchpoint=None,
                                   contact_ok=False, note=None, updated_at=T0, **case))
            planted.append(case)
        session.commit()
    return planted


def _in_order(cases: list[dict[str, Any]]) -> list[str]:
    """The ids of ``cases`` soonest due first, then by response id, then by id."""
    return [str(c["id"]) for c in sorted(cases, key=lambda c: (c["due_at"], c["response_id"],
                                                                c["id"]))]


def test_walking_every_page_of_the_cases_returns_each_case_once_soonest_due_first(
        make_api: MakeApi, db_url: str) -> None:
    with make_api(db_url) as api:
        h = api.workspace("acme")
        planted = _plant_cases(api, h, 2 * PAGE_SIZE_DEFAULT + 7)
        first = api.client.get("/v1/cases", headers=h).json()
        assert len(first["cases"]) == PAGE_SIZE_DEFAULT  # an old client: the first page
        assert first["count"] == len(planted) == 107
        assert first["next"] == f"/v1/cases?limit={PAGE_SIZE_DEFAULT}&offset=50"
        walked = every_page(api.client, h, "/v1/cases", "cases")
        assert [c["id"] for c in walked] == _in_order(planted)
        # a page size that does not divide the count; the last page says so with null
        pages = []
        body = api.client.get("/v1/cases", params={"limit": 13}, headers=h).json()
        pages.append(body["cases"])
        while body["next"]:
            body = api.client.get(body["next"], headers=h).json()
            pages.append(body["cases"])
        assert [len(p) for p in pages] == [13] * 8 + [3]
        assert [c["id"] for p in pages for c in p] == _in_order(planted)
        # past the last case: an empty page, no next
        past = api.client.get("/v1/cases", params={"offset": 107}, headers=h).json()
        assert past == {"cases": [], "count": 107, "next": None}
        # another workspace sees none of them
        assert every_page(api.client, api.workspace("other"), "/v1/cases", "cases") == []


@pytest.mark.parametrize("filters", [{"role": "Sälj"}, {"status": "contacted"},
                                     {"month": "2026-02"},
                                     {"role": "Installatör", "status": "open",
                                      "month": "2026-03"}])
def test_the_filters_hold_on_every_page_of_the_cases(make_api: MakeApi, db_url: str,
                                                     filters: dict[str, str]) -> None:
    with make_api(db_url) as api:
        h = api.workspace("acme")
        planted = _plant_cases(api, h, 90)
        expected = [c for c in planted
                    if all((c["opened_at"].strftime("%Y-%m") if k == "month" else c[k]) == v
                           for k, v in filters.items())]
        assert 2 < len(expected) < 90
        walked = every_page(api.client, h, "/v1/cases", "cases", {**filters, "limit": 2})
        assert [c["id"] for c in walked] == _in_order(expected)
        first = api.client.get("/v1/cases", params={**filters, "limit": 2}, headers=h).json()
        link = urlsplit(first["next"])  # the next link keeps the filters
        assert link.path == "/v1/cases"
        assert dict(parse_qsl(link.query)) == {**filters, "limit": "2", "offset": "2"}
        # the CSV is not paged: every filtered case, in the same order
        text = api.client.get("/v1/cases/csv", params=filters, headers=h).text
        assert [r["case_id"] for r in csv.DictReader(io.StringIO(text))] == _in_order(expected)


@pytest.mark.parametrize(("params", "named"), [
    ({"limit": 0}, "limit"), ({"limit": PAGE_SIZE_MAX + 1}, "limit"),
    ({"limit": "ten"}, "limit"), ({"offset": -1}, "offset"), ({"offset": 2**31}, "offset"),
    ({"limt": 10}, "limt"), ({"page": 2}, "page"),
])
def test_a_bad_or_unknown_paging_parameter_is_one_422_naming_it(
        api: Api, params: dict[str, Any], named: str) -> None:
    h = api.workspace("acme")
    hook = api.client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"},
                           headers=h).json()
    for path in ("/v1/cases", f"/v1/webhooks/{hook['id']}/deliveries"):
        r = api.client.get(path, params=params, headers=h)
        assert r.status_code == 422, (path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert named in r.json()["detail"]
        assert [e["loc"] for e in r.json()["errors"]] == [["query", named]]


def test_the_largest_page_is_allowed(api: Api) -> None:
    h = api.workspace("acme")
    planted = _plant_cases(api, h, PAGE_SIZE_MAX + 1)
    body = api.client.get("/v1/cases", params={"limit": PAGE_SIZE_MAX}, headers=h).json()
    assert len(body["cases"]) == PAGE_SIZE_MAX
    last = api.client.get(body["next"], headers=h).json()
    assert [c["id"] for c in body["cases"] + last["cases"]] == _in_order(planted)
    assert last["next"] is None


def test_walking_every_page_of_a_webhooks_deliveries_returns_each_once_oldest_first(
        make_api: MakeApi, db_url: str) -> None:
    with make_api(db_url) as api:
        h = api.workspace("acme")
        planted_cases = _plant_cases(api, h, 6)
        hook = api.client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"},
                               headers=h).json()
        planted = []
        with api.client.app.state.sessions() as session:  # type: ignore[attr-defined]
            for i in range(123):
                delivery = {"id": uuid.uuid4(), "seq": i % 5 + 1,
                            "created_at": T0 + timedelta(seconds=i % 11)}  # ties
                session.add(WebhookDelivery(
                    endpoint_id=uuid.UUID(hook["id"]), case_id=planted_cases[i % 6]["id"],
                    event="case.opened", body="{}", status="delivered", attempts=1,
                    next_attempt_at=T0, delivered_at=T0, **delivery))
                planted.append(delivery)
            session.commit()
        path = f"/v1/webhooks/{hook['id']}/deliveries"
        first = api.client.get(path, headers=h).json()
        assert (len(first["deliveries"]), first["count"]) == (PAGE_SIZE_DEFAULT, 123)
        walked = every_page(api.client, h, path, "deliveries", {"limit": 10})
        expected = sorted(planted, key=lambda d: (d["created_at"], d["seq"], d["id"]))
        assert [d["id"] for d in walked] == [str(d["id"]) for d in expected]


def test_the_month_filter_ends_at_the_last_microsecond_of_the_month(api: Api) -> None:
    h = api.workspace("acme")
    dataset = uuid.UUID(post_dataset(api.client, h)["id"])
    last = datetime(2026, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)
    with api.client.app.state.sessions() as session:  # type: ignore[attr-defined]
        workspace_id = session.get(Dataset, dataset).workspace_id
        for i, opened in enumerate((last, last + timedelta(microseconds=1))):
            session.add(CaseRecord(workspace_id=workspace_id, dataset_id=dataset, fit_id=None,
                                   response_id=f"r{i}", reasons="detractor", ltr=3,
                                   touchpoint=None, role=None, contact_ok=False,
                                   opened_at=opened, due_at=T0, updated_at=T0))
        session.commit()
    by_month = {month: [c["response_id"] for c in every_page(
        api.client, h, "/v1/cases", "cases", {"month": month})]
        for month in ("2026-12", "2027-01", "0000-01", "9999-12")}
    assert by_month == {"2026-12": ["r0"], "2027-01": ["r1"], "0000-01": [], "9999-12": []}
