"""Sign-in and sign-out, presentation mode, and the home page (maps, datasets, fits)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from journeymap.i18n import gettext as _

from ...deps import SessionDep
from ...services import datasets, fits, maps, sessions
from .._core import PREFIX, CsrfDep, WebUserDep, cookie_args, local_path, page, plain
from ..session import SESSION_COOKIE, SIGNIN_COOKIE

router = APIRouter(prefix=PREFIX, include_in_schema=False)


# ----------------------------------------------------------------- sign-in
@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, next: str = PREFIX, expired: int = 0) -> Response:
    token = sessions.form_token()
    message = _("Your session ended; sign in again.") if expired else None
    response = page(request, "sign_in.html", {"next": local_path(next), "token": token,
                                              "message": message})
    response.set_cookie(SIGNIN_COOKIE, token, max_age=3600, **cookie_args(request))
    return response


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request, key: Annotated[str, Form(max_length=300)] = "",
                  csrf_token: Annotated[str, Form(max_length=100)] = "",
                  next: Annotated[str, Form(max_length=2000)] = PREFIX) -> Response:
    token = sessions.form_token()

    def again(message: str, status: int) -> Response:
        response = page(request, "sign_in.html", {"next": local_path(next), "token": token,
                                                  "message": message, "error": True},
                        status=status)
        response.set_cookie(SIGNIN_COOKIE, token, max_age=3600, **cookie_args(request))
        return response

    if not sessions.form_token_matches(request.cookies.get(SIGNIN_COOKIE, ""), csrf_token):
        return again(_("The sign-in form had expired; please enter your key again."), 403)
    cookie = await sessions.sign_in(request, key)
    if cookie is None:
        return again(_("That workspace key is not valid. Check that it was copied whole (it "
                       "starts with jm_), or ask your administrator for a new one."), 401)
    response = RedirectResponse(local_path(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, **cookie_args(request))
    response.delete_cookie(SIGNIN_COOKIE, path=PREFIX)
    return response


@router.post("/sign-out")
def sign_out(request: Request, user: CsrfDep) -> Response:
    sessions.sign_out(request)
    response = RedirectResponse(f"{PREFIX}/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response


@router.get("/present")
def toggle_presentation(request: Request, on: int = 1, next: str = PREFIX) -> Response:
    """Presentation mode on or off (a display preference kept in a cookie)."""
    response = RedirectResponse(local_path(next), status_code=303)
    response.set_cookie("jm_present", "1" if on else "0", samesite="strict", path=PREFIX,
                        secure=request.url.scheme == "https", httponly=True)
    return response


# -------------------------------------------------------------------- home
@router.get("", response_class=HTMLResponse)
def home(request: Request, user: WebUserDep, session: SessionDep) -> Response:
    ws = user.workspace.id
    map_list = plain(maps.list_maps(session, ws, 200, 0))["data"]
    data = plain(datasets.list_datasets(session, ws, 200, 0))["data"]
    fit_list = plain(fits.list_fits(session, ws, limit=200, offset=0))["data"]
    names = {m["id"]: m["name"] for m in map_list}
    files = {d["id"]: d["name"] for d in data}
    return page(request, "home.html", {"maps": map_list, "datasets": data, "fits": fit_list,
                                       "map_names": names, "dataset_names": files}, user=user)
