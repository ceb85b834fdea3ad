"""The ``journeymap`` command line (Typer).

Formatting only: every number comes from the library's analyses.  Exit codes: 0 ok,
2 bad input (one clear message on stderr, no traceback), 1 internal error.

The commands live in modules by area — :mod:`.maps` (init, validate, render, card, export),
:mod:`.fit` (fit, drivers, influence, what-if), :mod:`.demo`, :mod:`.cx` (segments,
compare, transactional, trend, waterfall), :mod:`.actions` (keydrivers, followups, value,
power) and :mod:`.check` — over shared private modules: ``_options`` (arguments and
options), ``_console`` (consoles, errors, escaping, progress), ``_run`` (loading and
fitting) and ``_tables`` (tables of a fit).  Add-ons register further commands through
the entry-point group ``journeymap.cli`` (the HTTP service adds ``serve`` and ``admin``).
"""

from __future__ import annotations

from importlib.metadata import entry_points

import typer

from . import actions, check, cx, demo, fit, maps
from ._console import OneLineErrors

__all__ = ["app", "main"]

app = typer.Typer(
    name="journeymap", cls=OneLineErrors, add_completion=False,
    pretty_exceptions_enable=False, no_args_is_help=True,
    help="Draw the customer journey as a cause-and-effect map, fit it to survey data, and "
         "show each role its direct and indirect influence on NPS.")

# In the order of ``journeymap --help``.
app.command("init")(maps.init)
app.command("validate")(maps.validate)
app.command("fit")(fit.fit_cmd)
app.command("drivers")(fit.drivers)
app.command("influence")(fit.influence)
app.command("what-if")(fit.what_if_cmd)
app.command("demo")(demo.demo)
app.command("render")(maps.render_cmd)
app.command("card")(maps.card)
app.command("export")(maps.export)
app.command("segments")(cx.segments_cmd)
app.command("compare")(cx.compare_cmd)
app.command("transactional")(cx.transactional_cmd)
app.command("trend")(cx.trend_cmd)
app.command("waterfall")(cx.waterfall_cmd)
app.command("keydrivers")(actions.keydrivers_cmd)
app.command("followups")(actions.followups_cmd)
app.command("cases")(actions.cases_cmd)
app.command("accounts")(actions.accounts_cmd)
app.command("pipeline")(actions.pipeline_cmd)
app.command("value")(actions.value_cmd)
app.command("power")(actions.power_cmd)
app.command("check")(check.check_cmd)


def _load_plugins() -> None:
    """Commands of installed add-ons (entry-point group ``journeymap.cli``), e.g. the
    HTTP service's ``serve`` and ``admin``.  The library never imports them by name."""
    for ep in entry_points(group="journeymap.cli"):
        try:
            register = ep.load()
        except ImportError:  # the add-on's optional dependencies are not installed
            continue
        register(app)


_load_plugins()


def main() -> None:
    """Console entry point."""
    app()
