"""Appending responses to a dataset (POST /v1/datasets/{id}/responses): idempotent by
response id, conflicting ids refused with nothing changed, CSV and JSON bodies, the
upload limits — on SQLite and (marked postgres) PostgreSQL."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from api_helpers import EXAMPLES, Api, MakeApi, fitted, upload

CSV = EXAMPLES / "kitchen_b2b.csv"


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return pd.read_csv(CSV)


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def _json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(frame.to_json(orient="records"))
    return rows


def _base(api: Api, survey: pd.DataFrame, n: int = 2000) -> tuple[dict[str, str], str]:
    h = api.workspace()
    r = upload(api.client, h, content=_csv(survey.iloc[:n]), filename="q1.csv")
    assert r.status_code == 201, r.text
    return h, r.json()["id"]


def _append(api: Api, h: dict[str, str], dataset_id: str, content: bytes | None = None,
            rows: list[dict[str, Any]] | None = None, ctype: str = "text/csv",
            query: str = "") -> Any:
    url = f"/v1/datasets/{dataset_id}/responses{query}"
    if rows is not None:
        return api.client.post(url, json={"rows": rows}, headers=h)
    return api.client.post(url, content=content, headers={**h, "Content-Type": ctype})


def _stored(api: Api, h: dict[str, str], dataset_id: str) -> tuple[dict[str, Any], bytes]:
    d = api.client.get(f"/v1/datasets/{dataset_id}", headers=h).json()
    files = sorted((Path(api.settings.data_dir) / "datasets").rglob("*.csv"))
    assert len(files) == 1, files  # one version on disk: the old one is removed
    return d, files[0].read_bytes()


def test_the_same_rows_twice_change_nothing_and_new_rows_grow_the_counts(
        make_api: MakeApi, db_url: str, survey: pd.DataFrame) -> None:
    with make_api(db_url) as api:
        h, did = _base(api, survey)
        r = _append(api, h, did, _csv(survey.iloc[2000:2500]))
        assert r.status_code == 200, r.text
        assert (r.json()["appended"], r.json()["skipped"]) == (500, 0)
        assert r.json()["dataset"]["n_rows"] == 2500
        before, data = _stored(api, h, did)

        again = _append(api, h, did, _csv(survey.iloc[2000:2500]))
        assert again.status_code == 200, again.text
        assert (again.json()["appended"], again.json()["skipped"]) == (0, 500)
        after, data_after = _stored(api, h, did)
        assert after == before
        assert data_after == data

        # overlapping batch: 100 stored (skipped) + 100 new, as JSON rows
        r = _append(api, h, did, rows=_json_rows(survey.iloc[2400:2600]))
        assert r.status_code == 200, r.text
        assert (r.json()["appended"], r.json()["skipped"]) == (100, 100)
        assert r.json()["dataset"]["n_rows"] == 2600
        _d, data = _stored(api, h, did)
        back = pd.read_csv(pd.io.common.BytesIO(data))
        pd.testing.assert_frame_equal(back, survey.iloc[:2600].reset_index(drop=True),
                                      check_dtype=False)


def test_an_id_stored_with_other_answers_is_refused_and_nothing_changes(
        make_api: MakeApi, db_url: str, survey: pd.DataFrame) -> None:
    with make_api(db_url) as api:
        h, did = _base(api, survey)
        before, data = _stored(api, h, did)
        batch = survey.iloc[[9, 2000, 2001]].copy()
        batch.loc[batch.index[0], "ltr"] = 10 - int(batch["ltr"].iloc[0])  # id 10 changed
        r = _append(api, h, did, _csv(batch))
        assert r.status_code == 409, r.text
        assert r.json()["conflicts"] == ["10"]
        assert r.json()["n_conflicts"] == 1
        assert "10" in r.json()["detail"]
        assert _stored(api, h, did) == (before, data)

        # the same id twice in one batch with different answers is a conflict too
        twice = pd.concat([survey.iloc[[2000]], survey.iloc[[2000]]])
        twice.loc[:, "ltr"] = [3, 9]
        r = _append(api, h, did, _csv(twice))
        assert r.status_code == 409
        assert r.json()["conflicts"] == ["2001"]
        assert _stored(api, h, did) == (before, data)


def test_a_dataset_without_its_response_id_column_refuses_appends(
        make_api: MakeApi, sqlite_url: str, survey: pd.DataFrame) -> None:
    with make_api(sqlite_url) as api:
        h = api.workspace()
        no_id = survey.drop(columns=["response_id"])
        did = upload(api.client, h, content=_csv(no_id.iloc[:100]), filename="x.csv").json()["id"]
        r = _append(api, h, did, _csv(no_id.iloc[100:200]))
        assert r.status_code == 422
        assert r.json()["title"] == "The dataset has no response-id column"
        assert "'response_id'" in r.json()["detail"]
        # another column named as the id works
        r = _append(api, h, did, _csv(no_id.iloc[100:200]), query="?id_column=date")
        assert r.status_code == 409  # dates repeat with other answers: refused, not merged


def test_rows_with_other_columns_or_unreadable_bodies_get_one_clear_problem(
        make_api: MakeApi, sqlite_url: str, survey: pd.DataFrame) -> None:
    with make_api(sqlite_url) as api:
        h, did = _base(api, survey, 100)
        before = _stored(api, h, did)
        cases = [
            (_csv(survey.iloc[100:110].drop(columns=["q_web"])), "text/csv", 422, "'q_web'"),
            (_csv(survey.iloc[100:110].assign(extra=1)), "text/csv", 422, "'extra'"),
            (b"", "text/csv", 422, "empty"),
            (_csv(survey.iloc[:0]), "text/csv", 422, "no responses"),
            (b"{not json", "application/json", 422, "not JSON"),
            (b'{"rows": []}', "application/json", 422, "no rows"),
            (b'{"rows": [{"a": 1}, {"b": 2}]}', "application/json", 422, "JSON row 1"),
            (b"x", "application/xml", 415, "CSV"),
            (_csv(survey.iloc[100:102].assign(response_id=["", "7777"])), "text/csv", 422,
             "row 1"),
        ]
        for content, ctype, status, words in cases:
            r = _append(api, h, did, content, ctype=ctype)
            assert r.status_code == status, (ctype, r.text)
            assert words in r.json()["detail"], r.json()["detail"]
        assert _stored(api, h, did) == before
        r = api.client.post("/v1/datasets/00000000-0000-0000-0000-000000000000/responses",
                            content=_csv(survey.iloc[:2]),
                            headers={**h, "Content-Type": "text/csv"})
        assert r.status_code == 404


def test_the_upload_size_limit_applies_to_appends(make_api: MakeApi, sqlite_url: str,
                                                   survey: pd.DataFrame) -> None:
    small = len(_csv(survey.iloc[:150]))
    with make_api(sqlite_url, max_upload_bytes=small) as api:
        h, did = _base(api, survey, 100)
        before = _stored(api, h, did)
        r = _append(api, h, did, _csv(survey.iloc[100:400]))  # the body alone is too large
        assert r.status_code == 413
        r = _append(api, h, did, _csv(survey.iloc[100:200]))  # the dataset would be
        assert r.status_code == 413
        assert "start a new dataset" in r.json()["detail"]
        assert _stored(api, h, did) == before
        r = _append(api, h, did, _csv(survey.iloc[100:120]))
        assert r.status_code == 200
        assert r.json()["dataset"]["n_rows"] == 120


@pytest.mark.slow
def test_an_append_leaves_a_stored_fit_as_it_was(make_api: MakeApi, sqlite_url: str,
                                                  survey: pd.DataFrame) -> None:
    with make_api(sqlite_url) as api:
        h = api.workspace()
        fit = fitted(api.client, h)
        extra = survey.iloc[:50].assign(response_id=survey["response_id"].iloc[:50] + 10_000)
        r = _append(api, h, fit["dataset_id"], _csv(extra))
        assert r.status_code == 200, r.text
        assert r.json()["dataset"]["n_rows"] == 3050
        after = api.client.get(f"/v1/fits/{fit['id']}", headers=h).json()
        assert after["result"] == fit["result"]
        assert math.isclose(after["result"]["nps"]["value"], fit["result"]["nps"]["value"])
