"""The arguments and options several commands share (typer ``Annotated`` types).

Defaults that are limits come from :mod:`journeymap.limits`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..limits import DEFAULT_MIN_RESPONSES, MAX_BAYESNET_DRAWS, MAX_BOOTSTRAP, MIN_RESPONSES_FLOOR

__all__ = [
    "MIN_RESPONSES",
    "BinsOpt",
    "BootstrapOpt",
    "ByOpt",
    "DataArg",
    "DateOpt",
    "DrawsOpt",
    "EngineOpt",
    "EssOpt",
    "JsonOpt",
    "LangOpt",
    "LowOpt",
    "LtrStatesOpt",
    "MapArg",
    "MinOpt",
    "OptDataArg",
    "PeriodOpt",
    "ResultOpt",
    "RoleArg",
    "SeOpt",
    "SeedOpt",
    "SurveyTypeOpt",
]

#: Default of ``--min-responses`` (the library's default minimum).
MIN_RESPONSES = DEFAULT_MIN_RESPONSES

MapArg = Annotated[Path, typer.Argument(help="Journey map file (YAML or JSON).",
                                        show_default=False)]
DataArg = Annotated[Path, typer.Argument(help="Survey data (CSV, Parquet or Excel).",
                                         show_default=False)]
OptDataArg = Annotated[Path | None, typer.Argument(
    help="Survey data (CSV, Parquet or Excel); leave out to draw the structure only.",
    show_default=False)]
RoleArg = Annotated[str, typer.Argument(help="Role id, e.g. installer.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout instead of tables.")]
SurveyTypeOpt = Annotated[str | None, typer.Option(
    "--survey-type", help="relational or transactional (required when the data hold both).")]
MinOpt = Annotated[int, typer.Option(
    "--min-responses",
    help=f"Fewest responses for any figure (never below {MIN_RESPONSES_FLOOR}).")]
EngineOpt = Annotated[str, typer.Option("--engine", help="Engine name.")]
ResultOpt = Annotated[Path | None, typer.Option(
    "--result", help="A saved result (journeymap fit … -o result.json) instead of data.")]
ByOpt = Annotated[str, typer.Option("--by", help="Segment column (customer type, market, "
                                    "channel …).", show_default=False)]
PeriodOpt = Annotated[str, typer.Option("--period", help="month or quarter.")]
DateOpt = Annotated[str, typer.Option("--date-column", help="Column with the response date.")]
LangOpt = Annotated[str | None, typer.Option(
    "--lang", help="Language of the plain-language text and numbers: en, sv, da, fi or nb "
    "(default: en).", show_default=False)]
LowOpt = Annotated[int, typer.Option(
    "--low", help="Bottom points of a scale that count as a low rating.", min=1)]

# The bayesnet engine's options (docs/method.md §9); None = not given (the engine's default).
BinsOpt = Annotated[str | None, typer.Option(
    "--bins", help="bayesnet: states per rating — auto (chosen from n, the default), all "
    "(every scale point) or a number from 2.", show_default=False)]
EssOpt = Annotated[float | None, typer.Option(
    "--ess", help="bayesnet: equivalent sample size of the BDeu prior (default 10).",
    show_default=False)]
LtrStatesOpt = Annotated[str | None, typer.Option(
    "--ltr-states", help="bayesnet: LTR as its 11 answers (11, the default) or as 3 classes "
    "(classes).", show_default=False)]
DrawsOpt = Annotated[int | None, typer.Option(
    "--draws", help=f"bayesnet: posterior draws for the 95 % intervals (0: none; default 200, "
    f"at most {MAX_BAYESNET_DRAWS:,}).", show_default=False)]
SeOpt = Annotated[str | None, typer.Option(
    "--se", help="Standard errors of the linear engine: hc3 (robust to unequal error "
    "variance, the default; hc1 when streaming) or classical.", show_default=False)]
BootstrapOpt = Annotated[int, typer.Option(
    "--bootstrap", help="Bootstrap replicates for every interval (0: delta method).", min=0,
    max=MAX_BOOTSTRAP)]
SeedOpt = Annotated[int, typer.Option(
    "--seed", help="Seed of the bootstrap (the same seed and data give the same intervals).",
    min=0)]
