"""API keys and workspaces: every request needs a valid key, keys are stored hashed,
and a workspace never sees another's objects (their ids answer 404)."""

from __future__ import annotations

import hashlib

import pytest
from api_helpers import Api, MakeApi, fitted, post_map
from journeymap_api.auth import authenticate, create_workspace, hash_key
from journeymap_api.models import ApiKey
from sqlalchemy import select

ROUTES = ["/v1/maps", "/v1/datasets", "/v1/fits", "/v1/workspace"]


@pytest.mark.parametrize("path", ROUTES)
def test_a_request_without_a_key_answers_401_problem_with_www_authenticate(
        api: Api, path: str) -> None:
    r = api.client.get(path)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == 401
    assert body["instance"] == path
    assert "Authorization: Bearer" in body["detail"]


@pytest.mark.parametrize("header", ["Bearer jm_wrong", "Bearer nonsense", "Basic dXNlcjpwdw==",
                                    "Bearer " + "jm_" + "x" * 500])
def test_a_wrong_key_answers_401(api: Api, header: str) -> None:
    api.workspace()
    r = api.client.get("/v1/maps", headers={"Authorization": header})
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.json()["type"] == "urn:journeymap:problem:unauthorized"


def test_keys_are_random_stored_only_as_sha256_and_never_shown_again(api: Api) -> None:
    headers = api.workspace("acme")
    key = headers["Authorization"].removeprefix("Bearer ")
    assert key.startswith("jm_")
    assert len(key) >= 40
    sessions = api.client.app.state.sessions  # type: ignore[attr-defined]
    with sessions() as session:
        stored = session.scalars(select(ApiKey)).all()
        assert [k.key_hash for k in stored] == [hashlib.sha256(key.encode()).hexdigest()]
        assert all(key not in (k.prefix, k.key_hash) for k in stored)
        _ws, other = create_workspace(session, "other")
        assert other != key
        assert hash_key(other) != hash_key(key)
        ws = authenticate(session, key)
        assert ws is not None
        assert ws.name == "acme"
    body = api.client.get("/v1/workspace", headers=headers).json()
    assert body["name"] == "acme"
    assert key not in str(body)


def test_a_revoked_key_answers_401(api: Api) -> None:
    headers = api.workspace()
    sessions = api.client.app.state.sessions  # type: ignore[attr-defined]
    from journeymap_api.models import utcnow

    with sessions() as session:
        for k in session.scalars(select(ApiKey)):
            k.revoked_at = utcnow()
        session.commit()
    assert api.client.get("/v1/maps", headers=headers).status_code == 401


def test_a_workspace_sees_only_its_own_objects(make_api: MakeApi, db_url: str) -> None:
    with make_api(db_url) as api:
        c = api.client
        mine, theirs = api.workspace("mine"), api.workspace("theirs")
        fit = fitted(c, mine)
        other_map = post_map(c, theirs)
        ids = {"map": fit["map_id"], "dataset": fit["dataset_id"], "fit": fit["id"]}
        for path in (f"/v1/maps/{ids['map']}", f"/v1/maps/{ids['map']}/versions",
                     f"/v1/datasets/{ids['dataset']}", f"/v1/fits/{ids['fit']}",
                     f"/v1/fits/{ids['fit']}/drivers", f"/v1/fits/{ids['fit']}/roles",
                     f"/v1/fits/{ids['fit']}/roles/installer"):
            assert c.get(path, headers=mine).status_code == 200, path
            r = c.get(path, headers=theirs)
            assert r.status_code == 404, path
            assert r.headers["content-type"] == "application/problem+json"
        r = c.post(f"/v1/fits/{ids['fit']}/what-if", json={"shifts": {"delivery": 1}},
                   headers=theirs)
        assert r.status_code == 404
        r = c.put(f"/v1/maps/{ids['map']}", json={"source": "x: 1"}, headers=theirs)
        assert r.status_code == 404
        # their fit of my data, or of my map with their data: 404, nothing stored
        r = c.post("/v1/fits", json={"map_id": other_map["id"], "dataset_id": ids["dataset"]},
                   headers=theirs)
        assert r.status_code == 404
        assert "dataset" in r.json()["detail"]
        r = c.post("/v1/fits", json={"map_id": ids["map"], "dataset_id": ids["dataset"]},
                   headers=theirs)
        assert r.status_code == 404
        assert c.get("/v1/fits", headers=theirs).json()["count"] == 0
        assert [m["id"] for m in c.get("/v1/maps", headers=theirs).json()["data"]] == [
            other_map["id"]]
        assert c.get("/v1/datasets", headers=theirs).json()["count"] == 0


@pytest.mark.slow
def test_keys_are_made_and_revoked_on_the_command_line(make_api: MakeApi, sqlite_url: str
                                                       ) -> None:
    from api_helpers import KEY_RE, cli

    first = cli("admin", "create-workspace", "acme", "--db", sqlite_url)
    assert first.returncode == 0
    assert KEY_RE.match(first.stdout.strip())
    assert "once" in first.stderr
    second = cli("admin", "create-key", "acme", "--db", sqlite_url).stdout.strip()
    assert KEY_RE.match(second)
    old = first.stdout.strip()
    r = cli("admin", "revoke-key", old[:9], "--db", sqlite_url)
    assert r.returncode == 0, r.stderr
    assert cli("admin", "revoke-key", old, "--db", sqlite_url).returncode == 2  # already revoked
    listing = cli("admin", "list-workspaces", "--db", sqlite_url).stdout
    assert listing.splitlines()[1].split()[2] == "1"  # one valid key left
    with make_api(sqlite_url) as api:
        c = api.client
        assert c.get("/v1/workspace", headers={"Authorization": f"Bearer {old}"}
                     ).status_code == 401
        assert c.get("/v1/workspace", headers={"Authorization": f"Bearer {second}"}
                     ).json()["name"] == "acme"
