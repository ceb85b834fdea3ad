"""Share links: a role's page, card and map opened without any key (``/s/{token}``),
and the admin's "share with my team" form with a QR code for the workshop wall.

A link opens only what :class:`api.services.shares.OpenShare` allows: its role's page
(the role page's template with every admin-only part hidden), the role's card as one
HTML page and the role's map; a viewer link (made by ``POST /v1/fits/{id}/share``)
opens every role of its fit the same way.  No cookie is read or set; the pages carry
``Referrer-Policy: no-referrer`` (the token never leaks to another site) and
``X-Robots-Tag: noindex``.  A revoked or expired link answers 410, an unknown one 404,
each with a sentence for the person who opened it.
"""

from __future__ import annotations

import uuid
from html import escape
from typing import TYPE_CHECKING, Annotated, Any

import segno
from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from journeymap.analysis.roles import NOT_FOR_PAY
from journeymap.exceptions import JourneymapError
from journeymap.i18n import N_, current_language
from journeymap.i18n import gettext as _
from journeymap.limits import SHARE_LINK_DEFAULT_DAYS, SHARE_LINK_MAX_DAYS

from ...deps import ResultsDep, SessionsDep, WorkerDep
from ...problems import Problem, problem_for_library_error
from ...responses import attachment
from ...results import Results
from ...services import fits, shares
from .._core import PREFIX, SECURITY_HEADERS, CsrfDep, local_path, page, plain, presenting
from ..mapview import map_markup
from .fits import alphabetical, finished

if TYPE_CHECKING:
    from ...worker import FitWorker

router = APIRouter(include_in_schema=False)

#: Headers of every page a share link opens (on top of the pages' security headers).
SHARE_HEADERS = {**SECURITY_HEADERS, "Referrer-Policy": "no-referrer",
                 "X-Robots-Tag": "noindex, nofollow"}
#: The expiries the "share with my team" form offers, in days.
EXPIRY_CHOICES = (7, SHARE_LINK_DEFAULT_DAYS, 90, SHARE_LINK_MAX_DAYS)


def qr_svg(url: str, label: str) -> str:
    """``url`` as a QR code: an inline ``<svg>`` (segno, error correction M) for printing."""
    code = segno.make(url, error="m", micro=False)
    svg: str = code.svg_inline(scale=6, border=4, omitsize=True, dark="#000", light="#fff")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)


def role_map_view(request: Request, sessions: Any, results: Results, meta: Any,
                  role: str, label: str) -> dict[str, Any] | None:
    """The role's routes for the role page (``_role_map.html``): the drawing, sized for a
    phone or the wall (presentation mode), and its arrows in words; None when they are
    too large to draw (the card says so)."""
    drawn = fits.role_map(sessions, results, meta, role)
    if drawn is None:
        return None
    svg = map_markup(drawn.svg, drawn.details,
                     _("The routes from %(role)s to NPS: one box a row, from the role at the "
                       "top to NPS at the bottom") % {"role": label},
                     present=presenting(request))
    return {"svg": svg, "details": drawn.details}


def _refusal(request: Request, exc: Exception) -> HTMLResponse:
    if isinstance(exc, JourneymapError):
        exc = problem_for_library_error(exc)
    assert isinstance(exc, Problem)
    return page(request, "error.html", {"status": exc.status, "title": _(exc.title),
                                        "detail": _(exc.detail), "share": True},
                status=exc.status, headers=SHARE_HEADERS)


async def _open(request: Request, sessions: Any, results: Results, token: str,
                role: str | None) -> tuple[shares.OpenShare, str]:
    """The link of ``token`` and the role to show (404 when the link does not open it)."""
    link = await run_in_threadpool(shares.open_share, sessions, results, token)
    role = role or link.role
    if role is None or not link.allows(role):
        raise Problem(404, N_("This link does not open that page."),
                      title=N_("Not part of this link"))
    return link, role


async def _roles(sessions: Any, results: Results, link: shares.OpenShare
                 ) -> list[dict[str, Any]]:
    out = await run_in_threadpool(fits.roles, sessions, results, link.fit)
    langs = await run_in_threadpool(fits.label_languages, sessions, results, link.fit)
    return alphabetical([{**r, "lang": langs.get(r["role"])} for r in plain(out)["roles"]])


@router.get(shares.SHARE_PREFIX + "/{token}", response_class=HTMLResponse)
async def open_link(request: Request, token: str, sessions: SessionsDep,
                    results: ResultsDep, worker: WorkerDep, role: str | None = None
                    ) -> Response:
    """A role link shows its role's page; a viewer link lists the fit's roles."""
    base = f"{shares.SHARE_PREFIX}/{token}"
    try:
        link = await run_in_threadpool(shares.open_share, sessions, results, token)
        if link.role is not None:
            return await _role_page(request, sessions, results, worker, token, link.role)
        if role:  # the picker's form (GET, works without JavaScript)
            if not link.allows(role):
                raise Problem(404, N_("This link does not open that page."),
                              title=N_("Not part of this link"))
            return RedirectResponse(f"{base}/roles/{role}?lang={current_language()}",
                                    status_code=303,
                                    headers=SHARE_HEADERS)
        roles = await _roles(sessions, results, link)
    except (Problem, JourneymapError) as exc:
        return _refusal(request, exc)
    return page(request, "roles.html", {
        "fit_id": str(link.fit.id), "roles": roles, "role": None,
        "not_for_pay": _(NOT_FOR_PAY), "share": True, "role_base": f"{base}/roles",
        "picker_action": base},
        headers=SHARE_HEADERS)


async def _role_page(request: Request, sessions: Any, results: Results, worker: FitWorker,
                     token: str, role: str | None) -> Response:
    base = f"{shares.SHARE_PREFIX}/{token}"
    try:
        link, role_id = await _open(request, sessions, results, token, role)
        influence = plain(await run_in_threadpool(fits.role, sessions, results, link.fit,
                                                  role_id))
        card = await run_in_threadpool(fits.role_card_body, sessions, results, link.fit,
                                       role_id, worker)
        roles = [] if link.role is not None else await _roles(sessions, results, link)
        rejected = await run_in_threadpool(fits.map_rejected, sessions, results, link.fit)
        rmap = await run_in_threadpool(role_map_view, request, sessions, results, link.fit,
                                       role_id, influence["label"])
    except (Problem, JourneymapError) as exc:
        return _refusal(request, exc)
    return page(request, "role.html", {
        "fit_id": str(link.fit.id), "roles": roles, "role": role_id, "influence": influence,
        "card": card, "rmap": rmap, "share": True, "map_rejected": rejected,
        "picker_action": base,
        "share_files": f"{base}/roles/{role_id}", "expires_at": link.expires_at},
        headers=SHARE_HEADERS)


@router.get(shares.SHARE_PREFIX + "/{token}/roles/{role}", response_class=HTMLResponse)
async def open_role(request: Request, token: str, role: str, sessions: SessionsDep,
                    results: ResultsDep, worker: WorkerDep) -> Response:
    """A role's page through a link that opens it."""
    return await _role_page(request, sessions, results, worker, token, role)


@router.get(shares.SHARE_PREFIX + "/{token}/roles/{role}/card.html", response_class=Response)
async def open_card(request: Request, token: str, role: str, sessions: SessionsDep,
                    results: ResultsDep, worker: WorkerDep) -> Response:
    """The role's card as one printable HTML page (from the library)."""
    try:
        link, role_id = await _open(request, sessions, results, token, role)
        text = await run_in_threadpool(fits.role_card, sessions, results, link.fit, role_id,
                                       worker)
    except (Problem, JourneymapError) as exc:
        return _refusal(request, exc)
    return Response(text, media_type="text/html; charset=utf-8", headers=SHARE_HEADERS)


@router.get(shares.SHARE_PREFIX + "/{token}/roles/{role}/card.pdf", response_class=Response)
async def open_card_pdf(request: Request, token: str, role: str, sessions: SessionsDep,
                        results: ResultsDep, worker: WorkerDep) -> Response:
    """The role's card as a one-page A4 PDF, downloaded (503 page without WeasyPrint)."""
    try:
        link, role_id = await _open(request, sessions, results, token, role)
        pdf = await run_in_threadpool(fits.role_card_pdf, sessions, results, link.fit, role_id,
                                      worker)
    except (Problem, JourneymapError) as exc:
        return _refusal(request, exc)
    return Response(pdf, media_type="application/pdf", headers={
        **SHARE_HEADERS, "Content-Disposition": attachment(f"{role_id}-card.pdf")})


@router.get(shares.SHARE_PREFIX + "/{token}/roles/{role}/map.svg", response_class=Response)
async def open_map(request: Request, token: str, role: str, sessions: SessionsDep,
                   results: ResultsDep) -> Response:
    """The map with the role's routes highlighted (SVG)."""
    try:
        link, role_id = await _open(request, sessions, results, token, role)

        def draw() -> bytes:
            fits.role(sessions, results, link.fit, role_id)  # 404: a role not in the map
            return fits.render_fit(sessions, results, link.fit, format="svg", role=role_id)

        svg = await run_in_threadpool(draw)
    except (Problem, JourneymapError) as exc:
        return _refusal(request, exc)
    return Response(svg, media_type="image/svg+xml", headers=SHARE_HEADERS)


# ------------------------------------------------------- the admin's share form
@router.post(PREFIX + "/fits/{fit_id}/roles/{role}/share", response_class=HTMLResponse)
async def create_link(request: Request, fit_id: uuid.UUID, role: str, user: CsrfDep,
                      sessions: SessionsDep, results: ResultsDep,
                      days: Annotated[int, Form(ge=1, le=SHARE_LINK_MAX_DAYS)]
                      = SHARE_LINK_DEFAULT_DAYS) -> Response:
    """Make a share link for the role and show it with a QR code (shown this once)."""
    meta = await finished(sessions, results, user, fit_id)
    influence = plain(await run_in_threadpool(fits.role, sessions, results, meta, role))
    out = await run_in_threadpool(shares.create_share, sessions, results, user.workspace.id,
                                  fit_id, role, days, str(request.base_url))
    return page(request, "share_created.html", {
        "fit_id": str(fit_id), "role": role, "influence": influence, "link": plain(out),
        "qr": qr_svg(out.url, _("QR code of the link to the page of %(role)s")
                     % {"role": influence["label"]})},
        user=user, headers={"Referrer-Policy": "no-referrer"})


@router.post(PREFIX + "/shares/{token_id}/revoke", response_class=HTMLResponse)
async def revoke_link(request: Request, token_id: uuid.UUID, user: CsrfDep,
                      sessions: SessionsDep,
                      next: Annotated[str, Form(max_length=2000)] = PREFIX) -> Response:
    """Revoke a share link; back to the page the form was on."""

    def revoke() -> None:
        with sessions() as session:
            shares.revoke_share(session, user.workspace.id, token_id)

    await run_in_threadpool(revoke)
    return RedirectResponse(local_path(next), status_code=303)
