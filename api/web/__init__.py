"""The web pages under ``/app``: sign-in, map editor, data, fits, drivers, my influence.

Server-rendered Jinja2 templates with htmx (vendored in ``api/static/vendor``; nothing
is fetched at run time).  Every page acts for the workspace of the key signed in
with, through the same functions as the ``/v1`` routes (see ``api/routes/web.py``).
:func:`install_web` adds the pages, the static files and HTML error pages to an app.
"""

from __future__ import annotations

from ._core import install_web

__all__ = ["install_web"]
