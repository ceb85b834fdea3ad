"""The service layer: one set of plain functions between the front ends and the database.

Each module takes a SQLAlchemy session (or the app's ``sessionmaker``), a workspace
id, the settings or the in-process :class:`~api.results.Results` as arguments and
returns the pydantic models of :mod:`api.schemas` (or small dataclasses), raising
:class:`~api.problems.Problem` or the library's ``JourneymapError`` for bad input —
in the style of the FastAPI template's ``crud.py``.  The ``/v1`` routes
(:mod:`api.routes`), the web pages (:mod:`api.web.pages`) and the fast path
(:mod:`api.fastpath`) all call them, so every front end gives the same answer.

- :mod:`~api.services.maps`: maps and their versions; validation; drawings.
- :mod:`~api.services.datasets`: uploads, previews, data checks against a map.
- :mod:`~api.services.fits`: fits, their analyses (drivers, roles, what-if), cards.
- :mod:`~api.services.sessions`: signing in and out of the web pages.
- :mod:`~api.services.deletion`: deleting datasets, maps and fits (what depends on
  what), cancelling fits.
- :mod:`~api.services.shares`: share links to role pages, opened without a key.

See ``docs/architecture.md`` for where each kind of change goes.
"""


from . import datasets, deletion, fits, maps, sessions, shares

__all__ = ["datasets", "deletion", "fits", "maps", "sessions", "shares"]
