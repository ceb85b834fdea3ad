"""Role share links over the API: made, listed and revoked with the workspace key only;
the link's token is never stored and is no API key."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from api_helpers import Api, fitted
from journeymap_api.models import ShareLink
from sqlalchemy import select, update

from journeymap.limits import SHARE_LINK_DEFAULT_DAYS, SHARE_LINK_MAX_DAYS


def _share(api: Api, fit: dict[str, Any], role: str = "installer", name: str = "acme",
           **body: Any) -> dict[str, Any]:
    r = api.client.post(f"/v1/fits/{fit['id']}/roles/{role}/share", json=body or None,
                        headers=api.workspace(name))
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def _rows(api: Api) -> list[ShareLink]:
    with api.client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return list(session.scalars(select(ShareLink)).all())


def test_a_share_link_opens_its_role_for_thirty_days_and_only_its_hash_is_stored(
        api: Api) -> None:
    fit = fitted(api.client, api.workspace("acme"))
    out = _share(api, fit)
    assert out["url"].startswith("http://testserver/s/")
    token = out["url"].rsplit("/", 1)[1]
    assert len(token) == 43
    assert (out["role"], out["fit_id"]) == ("installer", fit["id"])
    made = datetime.fromisoformat(out["created_at"])
    assert datetime.fromisoformat(out["expires_at"]) - made == timedelta(
        days=SHARE_LINK_DEFAULT_DAYS)
    [row] = _rows(api)
    assert str(row.id) == out["token_id"]
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(vars(row))


def test_the_expiry_is_chosen_per_link_up_to_a_year(api: Api) -> None:
    fit = fitted(api.client, api.workspace("acme"))
    out = _share(api, fit, expires_in_days=SHARE_LINK_MAX_DAYS)
    made = datetime.fromisoformat(out["created_at"])
    assert datetime.fromisoformat(out["expires_at"]) - made == timedelta(days=365)
    for days in (0, SHARE_LINK_MAX_DAYS + 1):
        r = api.client.post(f"/v1/fits/{fit['id']}/roles/installer/share",
                            json={"expires_in_days": days}, headers=api.workspace("acme"))
        assert r.status_code == 422, r.text
    assert len(_rows(api)) == 1


def test_sharing_needs_the_workspace_key_of_the_fit_and_a_role_of_its_map(api: Api) -> None:
    fit = fitted(api.client, api.workspace("acme"))
    path = f"/v1/fits/{fit['id']}/roles/installer/share"
    assert api.client.post(path).status_code == 401
    assert api.client.post(path, headers=api.workspace("other")).status_code == 404
    r = api.client.post(f"/v1/fits/{fit['id']}/roles/nobody/share",
                        headers=api.workspace("acme"))
    assert r.status_code == 404
    assert r.json()["title"] == "No such role"
    assert api.client.get("/v1/shares").status_code == 401
    assert _rows(api) == []


def test_the_token_of_a_link_is_no_api_key(api: Api) -> None:
    fit = fitted(api.client, api.workspace("acme"))
    token = _share(api, fit)["url"].rsplit("/", 1)[1]
    bearer = {"Authorization": f"Bearer {token}"}
    for path in ("/v1/fits", f"/v1/fits/{fit['id']}", f"/v1/fits/{fit['id']}/roles/installer",
                 f"/v1/fits/{fit['id']}/drivers", "/v1/datasets", "/v1/maps", "/v1/shares"):
        assert api.client.get(path, headers=bearer).status_code == 401, path
    r = api.client.post(f"/v1/fits/{fit['id']}/what-if", json={"shifts": {"delivery": 1}},
                        headers=bearer)
    assert r.status_code == 401


def test_links_are_listed_without_tokens_and_revoked_at_once(api: Api) -> None:
    fit = fitted(api.client, api.workspace("acme"))
    first = _share(api, fit)
    second = _share(api, fit, role="billing")
    listed = api.client.get("/v1/shares", headers=api.workspace("acme")).json()["shares"]
    assert [s["token_id"] for s in listed] == [second["token_id"], first["token_id"]]
    assert all(s["status"] == "active" and "url" not in s for s in listed)
    assert api.client.get("/v1/shares", headers=api.workspace("other")).json() == {"shares": []}
    path = f"/v1/shares/{first['token_id']}"
    assert api.client.delete(path, headers=api.workspace("other")).status_code == 404
    assert api.client.delete(path, headers=api.workspace("acme")).status_code == 204
    assert api.client.delete(path, headers=api.workspace("acme")).status_code == 204
    by_id = {s["token_id"]: s for s in api.client.get(
        "/v1/shares", params={"role": "installer"}, headers=api.workspace("acme")).json()["shares"]}
    assert list(by_id) == [first["token_id"]]
    assert by_id[first["token_id"]]["status"] == "revoked"
    assert api.client.get(first["url"]).status_code == 410
    assert api.client.get(second["url"]).status_code == 200


def test_an_expired_link_is_refused_and_listed_as_expired(api: Api) -> None:
    fit = fitted(api.client, api.workspace("acme"))
    out = _share(api, fit)
    with api.client.app.state.sessions() as session:  # type: ignore[attr-defined]
        session.execute(update(ShareLink).values(
            expires_at=datetime.fromisoformat(out["created_at"]) - timedelta(seconds=1)))
        session.commit()
    r = api.client.get(out["url"])
    assert r.status_code == 410
    assert "has expired" in r.text
    [listed] = api.client.get("/v1/shares", headers=api.workspace("acme")).json()["shares"]
    assert listed["status"] == "expired"


def test_a_deleted_fit_takes_its_links_with_it(api: Api) -> None:
    fit = fitted(api.client, api.workspace("acme"))
    out = _share(api, fit)
    assert api.client.get(out["url"]).status_code == 200
    assert api.client.delete(f"/v1/fits/{fit['id']}",
                             headers=api.workspace("acme")).status_code == 204
    assert api.client.get(out["url"]).status_code == 404
    assert _rows(api) == []


def test_a_viewer_link_opens_every_role_of_its_fit(api: Api) -> None:
    fit = fitted(api.client, api.workspace("acme"))
    r = api.client.post(f"/v1/fits/{fit['id']}/share", headers=api.workspace("acme"))
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["role"] is None
    roles = api.client.get(f"/v1/fits/{fit['id']}/roles", headers=api.workspace("acme")).json()
    for rec in roles["roles"]:
        assert api.client.get(f"{out['url']}/roles/{rec['role']}").status_code == 200
    assert api.client.get(f"{out['url']}/roles/nobody").status_code == 404
