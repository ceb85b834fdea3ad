"""Edges whose estimate includes an unmeasured role's common-cause part.

An unmeasured role is a cause nobody measured.  ``journeymap check`` treats it as a
latent common cause of the nodes it acts on (docs/method.md §10.1); the fit regresses
each node on its measured parents and cannot adjust for it.  When the role acts on both
ends of an edge, or on two nodes the map joins by a directed path, the estimate of an
edge into the later node therefore mixes the edge's own effect with what the role does
to both ends.  :func:`role_common_cause_warnings` names those edges (a pure function of
the map; the fit and ``check`` both report it, docs/method.md §5, "Roles as common
causes").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:

    from .model import JourneyMap

__all__ = ["confounded_edges", "role_common_cause_note", "role_common_cause_warnings"]


MAX_EDGES_NAMED = 5
"""Edges named per role in the warning; the rest are counted."""
SEARCH_BUDGET = 2_000_000
"""Node visits over all searches of one map; beyond it the search stops (a hostile map)."""


def confounded_edges(journey_map: JourneyMap) -> dict[str, list[tuple[str, str, str, str]]]:
    """Per unmeasured role, the estimated edges its common-cause part enters.

    For a role R acting on v, an estimated edge ``x → v`` is listed when a node u ≠ v that
    R also acts on reaches x by a directed path that avoids v's other measured parents
    (x = u included): the path ``x ← … ← u ← R → v`` is then open in v's regression,
    which cannot condition on R.  A direct edge ``u → v`` between two acted-on nodes is
    always listed; ``x → v`` is not when another parent of v (e.g. u itself) lies on
    every such path.

    Returns
    -------
    dict
        Role id → list of ``(u, v, x, v)`` in map order: the two acted-on nodes and the
        edge ``x → v`` whose estimate includes the role's part.
    """
    m = journey_map
    budget = [SEARCH_BUDGET]

    def reaching(x: str, acted: set[str], v: str, blocked: set[str]) -> str | None:
        """An acted-on node other than v from which x is reached avoiding ``blocked``
        (a search upward from x)."""
        seen = {x}
        queue = [x]
        while queue and budget[0] > 0:
            node = queue.pop()
            budget[0] -= 1
            if node in acted and node != v:
                return node
            for p in m.parents(node):
                if p not in seen and p not in blocked:
                    seen.add(p)
                    queue.append(p)
        return None

    out: dict[str, list[tuple[str, str, str, str]]] = {}
    for role in m.nodes:
        if role.kind != "role" or role.measured:
            continue
        acted = {c for c in m.children(role.id) if m.node(c).measured}
        if len(acted) < 2:
            continue
        found: list[tuple[str, str, str, str]] = []
        for v in m.children(role.id):
            if v not in acted:
                continue
            parents = [p for p in m.parents(v) if m.node(p).measured]
            for x in parents:
                u = reaching(x, acted, v, set(parents) - {x})
                if u is not None:
                    found.append((u, v, x, v))
        if found:
            out[role.id] = found
    return out


def role_common_cause_warnings(journey_map: JourneyMap) -> list[str]:
    """One plain sentence per unmeasured role whose common-cause part enters an estimate.

    Example: *"role 'installer' acts on both 'delivery' and 'installation', which the map
    joins by a path: the estimate of delivery → installation includes the role's
    common-cause part (what it does to both), not only the edge's own effect; give the
    role a column or read the estimate as an association."*
    """
    m = journey_map
    out = []
    for role_id, rows in confounded_edges(m).items():
        role = m.node(role_id)
        pairs = list(dict.fromkeys((u, v) for u, v, _, _ in rows))
        more_pairs = len(pairs) - MAX_EDGES_NAMED
        pairs = pairs[:MAX_EDGES_NAMED]
        edges = list(dict.fromkeys(f"{x} → {v}" for _, _, x, v in rows))
        if len(edges) > MAX_EDGES_NAMED:
            edges = [*edges[:MAX_EDGES_NAMED], f"{len(edges) - MAX_EDGES_NAMED:,} more edges"]
        both = "; ".join(
            f"'{u}' and '{v}'" + (", which an edge joins" if u in m.parents(v) else
                                  ", which the map joins by a path")
            for u, v in pairs) + (f" (and {more_pairs:,} more pairs)" if more_pairs > 0 else "")
        where = f"{m.source}, line {role.line}" if role.line else m.source
        plural = "s" if len(edges) > 1 else ""
        out.append(f"{where}: role '{role_id}' acts on both {both}: the estimate{plural} of "
                   f"{', '.join(edges)} include{'' if plural else 's'} the role's common-cause "
                   "part (what it does to both ends), not only the edge's own effect. Give the "
                   "role a column, or read the estimate as an association.")
    return out


def role_common_cause_note(journey_map: JourneyMap, role: str) -> str | None:
    """The role card's plain sentence (in the language in force) when ``role``'s
    common-cause part enters an estimate its figure is built from, else ``None``.

    Example: *"Installer acts on both Delivery and Installation, which the map links.
    The estimate of that link, and so this figure, includes part of what Installer does
    to both — not only the link's own effect."*
    """
    from .i18n import gettext as _
    from .i18n import ngettext

    rows = confounded_edges(journey_map).get(role)
    if not rows:
        return None
    m = journey_map
    pairs = list(dict.fromkeys((u, v) for u, v, _x, _v in rows))
    u, v = pairs[0]
    values = {"role": m.node(role).display, "first": m.node(u).display,
              "second": m.node(v).display, "num": len(pairs) - 1}
    text = _("%(role)s acts on both %(first)s and %(second)s, which the map links. The "
             "estimate of that link, and so this figure, includes part of what %(role)s does "
             "to both — not only the link's own effect.") % values
    if len(pairs) > 1:
        text += " " + ngettext("The same holds for %(num)d more pair of touchpoints.",
                               "The same holds for %(num)d more pairs of touchpoints.",
                               len(pairs) - 1) % values
    return text
