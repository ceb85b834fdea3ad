"""The web pages under ``/app``, one module per area.

- :mod:`~api.web.pages.home`: sign-in and sign-out, presentation mode, the home page.
- :mod:`~api.web.pages.maps`: the map editor (live validation, the node/edge form).
- :mod:`~api.web.pages.datasets`: upload, preview, data checks against a map.
- :mod:`~api.web.pages.fits`: start a fit, its progress, drivers and what-if.
- :mod:`~api.web.pages.accounts`: a fit's B2B accounts (analysts only).
- :mod:`~api.web.pages.pipeline`: a fit's sales pipeline from an uploaded opportunities file.
- :mod:`~api.web.pages.roles`: the roles and "my influence" (the role card).
- :mod:`~api.web.pages.cases`: follow-up cases of a role's team (status, note, figures).
- :mod:`~api.web.pages.downloads`: files of a fit or a map version.
- :mod:`~api.web.pages.share`: share links (``/s/{token}``, no key) and the share form.

Every page calls :mod:`api.services` — the same functions as the ``/v1`` routes,
with the same workspace scoping, validation, caches and library calls — and only
turns their models into HTML (templates in ``api/templates``, shared helpers in
:mod:`api.web._core`).  Statistics come from the library; templates only format.
"""

from __future__ import annotations

from fastapi import APIRouter

from .accounts import router as accounts_router
from .cases import router as cases_router
from .datasets import router as datasets_router
from .downloads import router as downloads_router
from .fits import router as fits_router
from .home import router as home_router
from .maps import router as maps_router
from .pipeline import router as pipeline_router
from .roles import router as roles_router
from .share import router as share_router

__all__ = ["router"]

router = APIRouter()
for _area in (home_router, maps_router, datasets_router, fits_router, accounts_router,
              pipeline_router, roles_router, cases_router, downloads_router, share_router):
    router.include_router(_area)
