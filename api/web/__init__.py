"""The web pages under ``/app``: sign-in, map editor, data, fits, drivers, my influence.

Server-rendered Jinja2 templates with htmx (vendored in ``api/static/vendor``; nothing
is fetched at run time).  Every page acts for the workspace of the key signed in
with, through the same services as the ``/v1`` routes (:mod:`api.services`); the
pages are in :mod:`api.web.pages`, one module per area.
:func:`install_web` adds the pages, the static files and HTML error pages to an app.
"""

from __future__ import annotations

from ._core import install_web

__all__ = ["install_web"]
