"""The exception hierarchy of journeymap.

Every error a user can cause derives from :class:`JourneymapError` and carries a
message written for the person who has to fix the input: *what* is wrong, *where*
(file, line, field, column, rows) and *what would be valid*.  Front ends print the
message as it is (CLI: one line on stderr, exit code 2; API: a problem+json body).
Control characters that reached a message (from a map key, a cell of data) are shown
as escapes such as ``\\x1b``, never raw, so no message can rewrite a terminal.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._text import visible

__all__ = [
    "CaseTransitionError",
    "CycleError",
    "DataValidationError",
    "JourneymapError",
    "MapTooLargeError",
    "MapValidationError",
    "NotFittedError",
    "RenderError",
    "UnknownNodeError",
]


class JourneymapError(Exception):
    """Root of every error journeymap raises on purpose."""

    def __init__(self, *args: object) -> None:
        super().__init__(*(visible(a) if isinstance(a, str) else a for a in args))


class MapValidationError(JourneymapError, ValueError):
    """A journey map is malformed.

    Parameters
    ----------
    problems
        One sentence per problem, each already naming file, line and field.
    """

    def __init__(self, problems: str | Sequence[str]) -> None:
        from .limits import MAX_PROBLEMS_LISTED  # limits imports this module

        given = (problems,) if isinstance(problems, str) else tuple(problems)
        if not given:
            raise ValueError("MapValidationError needs at least one problem")
        shown = [visible(p) for p in given[:MAX_PROBLEMS_LISTED]]
        if len(given) > MAX_PROBLEMS_LISTED:
            shown.append(f"… and {len(given) - MAX_PROBLEMS_LISTED:,} more problems; fix "
                         "these first.")
        self.problems: tuple[str, ...] = tuple(shown)
        if len(given) == 1:
            message = self.problems[0]
        else:
            listed = "\n".join(f"  - {p}" for p in self.problems)
            message = f"{len(given)} problems in the map:\n{listed}"
        super().__init__(message)


class CycleError(MapValidationError):
    """The edges of a map form a cycle (a journey map must be acyclic)."""

    def __init__(self, message: str, cycle: Sequence[str]) -> None:
        self.cycle: tuple[str, ...] = tuple(cycle)
        super().__init__(message)


class UnknownNodeError(MapValidationError, KeyError):
    """An edge, a role name or a what-if shift names a node the map does not have."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class DataValidationError(JourneymapError, ValueError):
    """Survey data break the data rules (docs/method.md, "Data rules"); nothing is fitted."""


class CaseTransitionError(JourneymapError, ValueError):
    """A follow-up case status change the rules do not allow, e.g. closed → open
    (docs/closing-the-loop.md, "Statuses")."""


class NotFittedError(JourneymapError, RuntimeError):
    """A result was asked of an engine before ``fit`` was called."""


class RenderError(JourneymapError, RuntimeError):
    """A map cannot be drawn (e.g. graphviz's ``dot`` program is not installed)."""


class MapTooLargeError(JourneymapError, ValueError):
    """A map has more nodes, edges or label text than one picture may hold.

    Raised before graphviz runs (the limits are in :mod:`journeymap.limits`,
    documented in ``docs/security.md``, "Rendering"); the message says what to draw
    instead (one role's routes).
    """
