"""Role influence: how much a role moves NPS, by which routes, and how sure we are.

A role is usually not a survey column; its influence is the change in LTR when it
does one scale point better at every node it acts on, ``Σ_j share_j · T_j``
(docs/method.md, "Role influence and paths").  Every path from the role to NPS is
listed with its effect (share × product of coefficients); the paths sum to the influence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..formatting import percent, signed
from ..i18n import N_, use_language
from ..i18n import gettext as _
from ..scenario import predicted_nps

if TYPE_CHECKING:
    from ..engines import FitResult

__all__ = ["NOT_FOR_PAY", "RoleInfluence", "explain_role", "not_estimable_text", "nps_move",
           "role_headline", "role_influence", "route_parts"]

#: In English; ``gettext(NOT_FOR_PAY)`` gives it in the language in force.
NOT_FOR_PAY = N_("NPS is the result of the whole journey, not of one person or team: use this "
                 "map to learn and improve the journey, never to set individual pay or bonus.")


@dataclass(frozen=True)
class RoleInfluence:
    """One role's influence on LTR (points) and NPS (points) with its paths."""

    role: str
    label: str
    influence: float
    influence_ci: tuple[float, float]
    direct: float
    indirect: float
    nps_points: float
    nps_points_ci: tuple[float, float]
    paths: pd.DataFrame
    acts_on: pd.DataFrame
    nps: float = math.nan
    nps_after: float = math.nan
    nps_after_ci: tuple[float, float] = (math.nan, math.nan)

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "label": self.label, "influence": self.influence,
                "influence_ci": list(self.influence_ci), "direct": self.direct,
                "indirect": self.indirect, "nps_points": self.nps_points,
                "nps_points_ci": list(self.nps_points_ci), "nps": self.nps,
                "nps_after": self.nps_after, "nps_after_ci": list(self.nps_after_ci),
                "paths": self.paths.to_dict(orient="records"),
                "acts_on": self.acts_on.to_dict(orient="records")}


def role_headline(result: FitResult, role: str) -> tuple[float, float, tuple[float, float]]:
    """Where NPS would go if the role did one point better: ``(NPS now, NPS after, 95 %
    interval of NPS after)`` — the what-if of ``{role: +1}`` (docs/method.md §5, §7).

    The same numbers as :func:`~journeymap.analysis.what_if` of ``{role: 1}`` gives in
    ``nps``, ``predicted_nps`` and ``predicted_nps_ci``, for every front end.
    """
    rec = result.role(role)
    if math.isnan(rec.nps_points):  # not estimable (docs/method.md, "9.8 Sparse data")
        return result.nps.value, math.nan, (math.nan, math.nan)
    ci = rec.nps_points_ci or (math.nan, math.nan)
    after, after_ci = predicted_nps(result.nps, rec.nps_points, ci)
    return result.nps.value, after, after_ci


def not_estimable_text(result: FitResult, role: str, targets: str) -> str | None:
    """The plain sentence for a role whose influence rests on too little data (bayesnet at
    small n, docs/method.md, "9.8 Sparse data"), in the language in force; ``None`` when
    it is estimable.  ``targets`` names what the role acts on."""
    rec = result.role(role)
    if not rec.not_estimable:
        return None
    return _("How much NPS would move when %(role)s does one point better on %(targets)s "
             "cannot be estimated from these data: %(share)s of the customers such a change "
             "would move land in combinations of answers that too few customers gave. More "
             "responses, fewer states per rating or the linear engine would tell.") % {
        "role": result.journey_map.node(role).display, "targets": targets,
        "share": percent(rec.thin_share)}


def nps_move(now: float, after: float, after_ci: tuple[float, float]) -> str:
    """Where NPS would go, in the language in force: "NPS would go from +17.4 to +34.8
    (95 %: +31.7 to +37.9)" — the words of every headline (card, role page, CLI, what-if).

    >>> nps_move(17.4, 34.86, (31.7, 37.9))
    'NPS would go from +17.4 to +34.9 (95 %: +31.7 to +37.9)'
    """
    return _("NPS would go from %(now)s to %(after)s (95 %%: %(low)s to %(high)s)") % {
        "now": signed(now), "after": signed(after), "low": signed(after_ci[0]),
        "high": signed(after_ci[1])}


def route_parts(result: FitResult, role: str) -> dict[str, float]:
    """The role's NPS points by the node each route reaches first after the role: these
    parts add up to the role's NPS points (docs/method.md §5, "Parts that add up")."""
    out: dict[str, float] = {}
    for p in result.role(role).paths:
        first = p.nodes[1] if len(p.nodes) > 1 else p.nodes[0]
        out[first] = out.get(first, 0.0) + p.nps_points
    return out


def role_influence(result: FitResult, role: str) -> RoleInfluence:
    """Influence of ``role`` with every path to NPS, sorted by absolute effect.

    ``paths`` has columns ``route`` (labels joined by →), ``nodes``, ``effect`` (LTR
    points), ``nps_points`` (the route's part of the role's NPS points; the parts add up
    to them, docs/method.md §5) with ``nps_points_ci`` (its 95 % interval as ``[low,
    high]``, the fit's :attr:`~journeymap.engines.result.Route.nps_points_ci`; ``None`` when
    the result has none) and ``direct``.  ``acts_on`` lists the nodes the role
    acts on with ``share``, ``role_part`` (the role's NPS points through that node; they
    add up to the role's NPS points), the node's ``total`` effect and the node's **own**
    ``nps_points`` — a different quantity: everyone below the top rating the node alone
    one point higher (for another role: its influence and NPS points; for the outcome:
    total 1 and none).  ``nps``, ``nps_after`` and ``nps_after_ci`` say where NPS would
    go (:func:`role_headline`).
    """
    m = result.journey_map
    rec = result.role(role)
    node = m.node(role)
    rows = []
    for p in rec.paths:
        nodes = list(p.nodes)
        first_measured = next(i for i, n in enumerate(nodes) if m.node(n).measured)
        rows.append({"route": " → ".join(m.node(n).display for n in nodes), "nodes": nodes,
                     "effect": p.effect, "nps_points": p.nps_points,
                     "nps_points_ci": None if p.nps_points_ci is None else list(p.nps_points_ci),
                     "direct": first_measured >= len(nodes) - 2})
    effects = {e.node: e for e in result.node_effects}
    parts = route_parts(result, role)
    acts = []
    for child in m.children(role):
        e = m.edge(role, child)
        share = m.share(e)
        if child == m.outcome:
            total, pts = 1.0, None
        elif child in effects:
            total, pts = effects[child].total, effects[child].nps_points
        else:  # an unmeasured role: its total is its influence (docs/method.md, "Role influence")
            acted = result.role(child)
            total, pts = acted.influence, acted.nps_points
        acts.append({"node": child, "label": m.node(child).display,
                     "share": 1.0 if share is None else share,
                     "role_part": parts.get(child, 0.0), "total": total, "nps_points": pts})
    acts_df = pd.DataFrame(acts, columns=["node", "label", "share", "role_part", "total",
                                          "nps_points"])
    now, after, after_ci = role_headline(result, role)
    return RoleInfluence(role=role, label=node.display, influence=rec.influence,
                         influence_ci=rec.influence_ci or (math.nan, math.nan),
                         direct=rec.direct, indirect=rec.indirect,
                         nps_points=rec.nps_points,
                         nps_points_ci=rec.nps_points_ci or (math.nan, math.nan),
                         paths=pd.DataFrame(rows, columns=["route", "nodes", "effect",
                                                           "nps_points", "nps_points_ci",
                                                           "direct"]),
                         acts_on=acts_df, nps=now, nps_after=after, nps_after_ci=after_ci)


def explain_role(result: FitResult, role: str, *, lang: str | None = None) -> str:
    """Plain-language explanation of a role's influence, for an employee.

    ``lang`` is ``en``, ``sv``, ``da``, ``fi`` or ``nb`` (words and numbers); ``None``
    keeps the language in force (:func:`journeymap.i18n.use_language`, English by default).

    Examples
    --------
    >>> import journeymap as jm
    >>> r = jm.fit(jm.example_map(), jm.example_data(n=600, seed=5).data)
    >>> explain_role(r, "billing").splitlines()[0][:40]
    'When Fakturering does one point better o'
    >>> explain_role(r, "billing", lang="sv").splitlines()[0][:35]
    'När Fakturering gör en poäng bättre'
    """
    with use_language(lang):
        return _explain(result, role)


def _explain(result: FitResult, role: str) -> str:
    inf = role_influence(result, role)
    targets = [str(x) for x in inf.acts_on["label"]]
    if not targets:  # allowed by the map (with a warning), so say so instead of failing
        return "\n".join([
            _("%(role)s does not act on any part of this map yet, so it has no route to the "
              "recommend score and no influence on NPS here; add an edge from it to what it "
              "works on.") % {"role": inf.label}, _(NOT_FOR_PAY)])
    on = (targets[0] if len(targets) == 1 else
          _("%(list)s and %(last)s") % {"list": ", ".join(targets[:-1]), "last": targets[-1]})
    blank = not_estimable_text(result, role, on)
    if blank:
        return "\n".join([blank, _(NOT_FOR_PAY)])
    lo, hi = inf.nps_points_ci
    headline = _("When %(role)s does one point better on %(targets)s, %(move)s: "
                 "%(points)s NPS points (95 %%: %(low)s to %(high)s)") % {
        "role": inf.label, "targets": on, "move": nps_move(inf.nps, inf.nps_after,
                                                             inf.nps_after_ci),
        "points": signed(inf.nps_points), "low": signed(lo), "high": signed(hi)}
    if result.effect_unit == "ltr_points":  # else influence is in NPS points already
        headline += _("; the average recommend score moves by %(points)s on the 0–10 "
                      "scale") % {"points": signed(inf.influence, 2)}
    lines = [headline + "."]
    if inf.influence != 0:
        direct_share = inf.direct / inf.influence
        if direct_share >= 0.995:
            lines.append(_("All of it is direct: the rating of what %(role)s works on moves "
                           "the recommend score itself.") % {"role": inf.label})
        elif direct_share <= 0.005:
            lines.append(_("All of it is indirect: it runs through other parts of the journey "
                           "before it reaches the recommend score."))
        else:
            lines.append(_("%(direct)s of it is direct (the rating of what %(role)s works on "
                           "moves the recommend score itself) and %(indirect)s runs through "
                           "other parts of the journey.") % {
                "direct": percent(direct_share), "role": inf.label,
                "indirect": percent(1 - direct_share)})
        top = inf.paths.iloc[0]
        lines.append(_("The biggest route: %(route)s (%(points)s NPS points).") % {
            "route": top["route"], "points": signed(top["nps_points"])})
    if hi > 0 > lo:
        lines.append(_("The data cannot tell whether this influence is above or below zero."))
    lines.append(_(NOT_FOR_PAY))
    return "\n".join(lines)
