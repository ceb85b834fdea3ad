"""Every limit and floor the library enforces, in one place.

Front ends (CLI, Python, HTTP API, web pages) read these names instead of keeping
their own copies, so a hostile or accidental input meets the same limit whichever way
it arrives.  The reasons and the numbers are documented in ``docs/security.md``
(resource limits) and ``docs/method.md`` (minimum responses).
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_MIN_RESPONSES",
    "MAX_MAP_BYTES",
    "MIN_RESPONSES_FLOOR",
]

# --- Minimum responses (docs/method.md, "Minimum responses") -------------------------
#: No figure about a segment, team or role is shown on fewer responses than this.
DEFAULT_MIN_RESPONSES = 30
#: The minimum may be configured, but never below this floor.
MIN_RESPONSES_FLOOR = 10

# --- Map files (docs/security.md, "Map files") -----------------------------------------
#: Largest map file (or map text sent to the API) that is read, in bytes.
MAX_MAP_BYTES = 5_000_000

# --- Survey data files (docs/security.md, "Survey data") -------------------------------

# --- Rendering (docs/security.md, "Rendering") -----------------------------------------

# --- Files written (docs/security.md, "Files written") ----------------------------------

# --- Service (docs/security.md, "Service") ----------------------------------------------
