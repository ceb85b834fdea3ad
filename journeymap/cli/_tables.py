"""The tables of a fit shared by several commands: NPS, drivers, roles, one role's routes.

Formatting only: every number comes from :mod:`journeymap.analysis` or the result.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..formatting import ci, is_missing, signed
from ..i18n import gettext as _
from ._console import esc

if TYPE_CHECKING:
    from rich.console import Console

    from ..engines import FitResult
    from ..model import JourneyMap

__all__ = ["interval_note", "nps_cell", "print_alphas", "print_drivers", "print_engine",
           "print_influence", "print_intervals", "print_nps", "print_roles"]


def nps_cell(value: float, interval: Any, n: int, suppressed: bool) -> str:
    """``+12.0 (−3.1 to +27.0)``, or ``suppressed (n = 12)`` below the minimum."""
    if suppressed:
        return f"suppressed (n = {n:,})"
    return f"{signed(value)} ({ci(interval)})"


def print_nps(console: Console, result: FitResult) -> None:
    """The NPS line: value, interval and the three classes."""
    s = result.nps
    console.print(f"[bold]NPS {signed(s.value)}[/] (95 %: {ci(s.ci)}) from {s.n:,} responses: "
                  f"{s.promoters:,} promoters, {s.passives:,} passives, {s.detractors:,} "
                  "detractors.")


def print_engine(console: Console, result: FitResult) -> None:
    """The bayesnet engine's options as used (bins chosen from n, docs/method.md §9.8)."""
    if result.engine != "bayesnet":
        return
    o = result.options
    used, asked = o.get("bins_used"), o.get("bins")
    if isinstance(used, int):
        bins = f"at most {used} states per rating"
    elif used is None:
        bins = "every scale point a state"
    else:
        bins = "states per node as given"
    how = " (chosen from n)" if asked == "auto" else ""
    ltr = "3 classes" if o.get("ltr_states") == "classes" else "11 states"
    console.print(f"bayesnet: {bins}{how}, LTR as {ltr}, BDeu ess {o.get('ess')}, "
                  f"{o.get('draws')} posterior draws.")


def print_drivers(console: Console, result: FitResult) -> None:
    """Every node's effect on the recommend score and on NPS, largest first."""
    from rich.table import Table

    from ..analysis import drivers

    df = drivers(result)
    table = Table(title="What moves the recommend score (one scale point better for everyone "
                  "below the top)", title_justify="left")
    table.add_column("Node", overflow="fold")
    per_point = "LTR per point" if result.effect_unit == "ltr_points" else "NPS pts per state"
    thin = _has_thin_shares(result)
    for col in ("NPS points (95 %)", per_point, "direct", "indirect (95 %)", "mean", "n",
                *(("thin",) if thin else ())):
        table.add_column(col, justify="right", no_wrap=True)
    for row in df.to_dict(orient="records"):
        mean, n = float(row["mean"]), float(row["n"])
        figure = ("not estimable" if not is_missing(row.get("not_estimable")) else
                  f"{signed(row['nps_points'])} ({signed(row['nps_points_ci_low'])} to "
                  f"{signed(row['nps_points_ci_high'])})")
        table.add_row(esc(row["label"]), figure,
                      signed(row["total"], 2), signed(row["direct"], 2),
                      _indirect(row), "–" if mean != mean else f"{mean:.2f}",
                      "–" if n != n else f"{int(n):,}",
                      *((_share(row.get("thin_share")),) if thin else ()))
    console.print(table)
    if thin:
        _thin_note(console, result)


def _has_thin_shares(result: FitResult) -> bool:
    return any(e.thin_share is not None for e in result.node_effects)


def _share(x: Any) -> str:
    return "–" if x is None or x != x else f"{100 * float(x):.0f} %"


def _thin_note(console: Console, result: FitResult) -> None:
    """What the bayesnet engine's "thin" column means (docs/method.md §9.8)."""
    o = result.options
    console.print(f"thin: share of the respondents a one-state shift moves that land in "
                  f"combinations of answers with fewer than {o.get('min_cell_rows', '?')} "
                  f"responses; above {_share(o.get('max_thin_share'))} a figure is not "
                  "estimable.", soft_wrap=True)


def print_roles(console: Console, result: FitResult) -> None:
    """Each role's influence and its biggest route to NPS.

    Roles are listed alphabetically by label, never sorted by influence: the table
    keeps the figures for the analyst but is no league of teams (docs/cli.md).
    """
    from rich.table import Table

    m = result.journey_map
    from ..analysis.roles import role_headline

    table = Table(title="Each role's influence (one point better on everything it acts on; "
                  f"NPS now {signed(result.nps.value)})", title_justify="left")
    table.add_column("Role")
    thin = _has_thin_shares(result)
    for col in ("NPS points (95 %)", "NPS would go to (95 %)",
                "LTR points" if result.effect_unit == "ltr_points" else "effect (NPS pts)",
                "direct", *(("thin",) if thin else ())):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("Biggest route", overflow="fold")
    records = sorted(result.role_effects,
                     key=lambda r: (m.node(r.role).display.casefold(), r.role))
    for rec in records:
        top = rec.paths[0] if rec.paths else None
        route = " → ".join(m.node(n).display for n in top.nodes) if top else "no path to NPS"
        route = esc(route)
        share = rec.direct / rec.influence if rec.influence else float("nan")
        _now, after, after_ci = role_headline(result, rec.role)
        if rec.not_estimable:
            figure = after_text = "not estimable"
        else:
            figure = f"{signed(rec.nps_points)} ({ci(rec.nps_points_ci)})"
            after_text = f"{signed(after)} ({ci(after_ci)})"
        table.add_row(esc(m.node(rec.role).display), figure, after_text,
                      signed(rec.influence, 2),
                      "–" if share != share else f"{share:.0%}",
                      *((_share(rec.thin_share),) if thin else ()), route)
    console.print(table)


def print_influence(console: Console, result: FitResult, role: str) -> None:
    """One role: its explanation in words and every route to NPS."""
    from rich.table import Table

    from ..analysis import explain_role, role_influence

    inf = role_influence(result, role)
    console.print(f"[bold]{esc(inf.label)}[/]")
    console.print(esc(explain_role(result, role)), soft_wrap=True)
    table = Table(title=_("Every route to NPS"), title_justify="left")
    table.add_column(_("Route"), overflow="fold")
    table.add_column(_("NPS points (95 %%)") % {}, justify="right", no_wrap=True)
    table.add_column(_("LTR points"), justify="right", no_wrap=True)
    table.add_column(_("Kind"), no_wrap=True)
    routes = {tuple(p.nodes): p for p in result.role(role).paths}
    for row in inf.paths.to_dict(orient="records"):
        route = routes.get(tuple(row["nodes"]))
        points = signed(row["nps_points"])
        if route is not None and route.nps_points_ci is not None:
            points += f" ({ci(route.nps_points_ci)})"
        table.add_row(esc(row["route"]), points, signed(row["effect"], 3),
                      _("direct") if row["direct"] else _("indirect"))
    console.print(table)
    parts = Table(title=_("Through each part of the journey you act on (your parts add up to "
                          "%(points)s NPS points)") % {"points": signed(inf.nps_points)},
                  title_justify="left")
    parts.add_column(_("Acts on"), overflow="fold")
    parts.add_column(_("Your share"), justify="right", no_wrap=True)
    parts.add_column(_("Your part (NPS points)"), justify="right", no_wrap=True)
    parts.add_column(_("It alone, everyone 1 point higher (NPS points)"), justify="right")
    for row in inf.acts_on.to_dict(orient="records"):
        own = row["nps_points"]
        parts.add_row(esc(row["label"]), f"{float(row['share']):.2f}",
                      signed(row["role_part"]),
                      "–" if own is None or own != own else signed(own))
    console.print(parts)


def print_alphas(console: Console, journey_map: JourneyMap,
                 alphas: Mapping[str, float]) -> None:
    """Cronbach's alpha of each composite (``fit`` and ``check``; the library computes it)."""
    if not alphas:
        return
    console.print("\n[bold]Composites[/] (Cronbach's alpha of the items, over the responses "
                  "that answered every item)")
    for node_id, a in alphas.items():
        node = journey_map.node(node_id)
        value = f"α = {a:.2f}" if math.isfinite(a) else "α not computable"
        low = " — below 0.6: the items may not measure one thing" if a < 0.6 else ""
        console.print(f"  {esc(node.display)} ({esc(', '.join(node.items))}): {value}{low}",
                      soft_wrap=True)


def _indirect(row: Mapping[Any, Any]) -> str:
    """The indirect effect with its interval (when the result has one that is not a point)."""
    lo, hi = row.get("indirect_ci_low", math.nan), row.get("indirect_ci_high", math.nan)
    text = signed(row["indirect"], 2)
    if lo == lo and hi == hi and hi > lo:
        text += f" ({signed(lo, 2)} to {signed(hi, 2)})"
    return text


def interval_note(result: FitResult) -> str | None:
    """How the 95 % intervals were made, in one sentence (None when the result does not
    say, e.g. read back from an older JSON)."""
    info = result.uncertainty
    if not info:
        return None
    method = str(info.get("interval_method", ""))
    se = {"hc3": _("robust (HC3) standard errors"), "hc1": _("robust (HC1) standard errors"),
          "classical": _("classical standard errors")}.get(str(info.get("se_type")))
    bound = info.get("hc3_bound") if info.get("se_type") == "hc3" else None
    if bound:  # large n: c × HC0, standard errors at most √c − 1 above the exact HC3
        se = _("robust (HC3) standard errors (an upper bound: at most %(pct)s %% above the "
               "exact ones)") % {"pct": f"{100 * (math.sqrt(float(bound)) - 1):.2f}"}
    if method == "bootstrap-percentile":
        what = _("rows") if info.get("bootstrap_resamples") == "rows" else _("groups of rows")
        reps = int(info.get("replicates") or 0)
        units = int(info.get("bootstrap_units") or 0)
        return _("95 %% intervals: bootstrap percentiles of %(n)s replicates resampling "
                 "%(units)s %(what)s (seed %(seed)s).") % {
                     "n": f"{reps:,}", "units": f"{units:,}", "what": what,
                     "seed": info.get("seed")}
    if method.startswith("delta") and se is not None:
        return _("95 %% intervals: delta method with %(se)s.") % {"se": se}
    return None


def print_intervals(console: Console, result: FitResult) -> None:
    """The line that says how the intervals were made."""
    note = interval_note(result)
    if note is not None:
        console.print(esc(note))
