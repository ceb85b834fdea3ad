"""``init``, ``validate``, ``render``, ``card`` and ``export``: a map started from data,
checked, drawn or exported.

Formatting only: every number comes from the library.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated

import typer

from ..exceptions import JourneymapError, RenderError
from ..outputs import refuse_inputs, write_atomic
from ._console import errors, esc, print_warnings, stdout, write_text
from ._options import (
    MIN_RESPONSES,
    BinsOpt,
    DrawsOpt,
    EngineOpt,
    EssOpt,
    LangOpt,
    LtrStatesOpt,
    MapArg,
    MinOpt,
    OptDataArg,
    ResultOpt,
    RoleArg,
    SeOpt,
    SurveyTypeOpt,
)
from ._run import bayes_options, load_map, result_for

__all__ = ["card", "export", "init", "render_cmd", "validate"]


def validate(map_file: MapArg) -> None:
    """Check a map file and list its problems with the line to fix."""
    with errors():
        m = load_map(map_file)
        console = stdout()
        kinds = {k: sum(1 for n in m.nodes if n.kind == k)
                 for k in ("role", "touchpoint", "factor", "outcome")}
        parts = ", ".join(f"{v} {k}{'s' if v != 1 else ''}" for k, v in kinds.items())
        console.print(f"[green]ok[/] {esc(map_file)}: {len(m.nodes)} nodes ({parts}), "
                      f"{len(m.edges)} edges.")
        print_warnings(console, m.warnings)


def render_cmd(map_file: MapArg, data_file: OptDataArg = None,
               output: Annotated[Path, typer.Option(
                   "-o", "--output", help="map.svg, map.png, map.pdf or map.dot.")] = Path(
                       "map.svg"),
               result_file: ResultOpt = None,
               role: Annotated[str | None, typer.Option(
                   "--role", help="Highlight this role's routes to NPS.")] = None,
               lanes: Annotated[str, typer.Option(
                   "--lanes", help="Swimlanes by 'kind' (roles → touchpoints → factors → NPS) "
                   "or by journey 'stage'.")] = "kind",
               survey_type: SurveyTypeOpt = None, min_responses: MinOpt = MIN_RESPONSES,
               engine: EngineOpt = "linear", lang: LangOpt = None,
               routes_only: Annotated[bool, typer.Option(
                   "--routes-only", help="Only the --role's routes, top to bottom and narrow "
                   "(for a phone).")] = False,
               width: Annotated[int | None, typer.Option(
                   "--width", help="Fit the picture to this many pixels wide (SVG: CSS "
                   "pixels; PNG: pixels; PDF: points).")] = None,
               height: Annotated[int | None, typer.Option(
                   "--height", help="Fit the picture to this many pixels high.")] = None,
               dpi: Annotated[int | None, typer.Option(
                   "--dpi", help="Pixels per inch of a PNG (default 150).")] = None,
               font_scale: Annotated[float, typer.Option(
                   "--font-scale", help="Every text this many times larger (0.5 to 4); the "
                   "boxes grow with it.")] = 1.0, bins: BinsOpt = None, ess: EssOpt = None,
               ltr_states: LtrStatesOpt = None, draws: DrawsOpt = None,
               se: SeOpt = None) -> None:
    """Draw the journey map (with effects when data or a result are given)."""
    with errors():
        from ..i18n import check_language, use_language
        from ..render import write

        lang = None if lang is None else check_language(lang)
        refuse_inputs(output, map_file, data_file, result_file)
        m, result = result_for(map_file, data_file, result_file, survey_type, min_responses,
                               engine, bayes_options(engine, bins, ess, ltr_states, draws),
                               se=se)
        with use_language(lang):
            path = write(output, m, result, role=role, lanes=lanes,
                         min_responses=min_responses, routes_only=routes_only, width=width,
                         height=height, dpi=dpi, font_scale=font_scale)
        stdout().print(f"Map written to {esc(path)}.")


#: The card formats of ``card --format`` and the file endings that name them.
CARD_SUFFIXES = {".html": "html", ".htm": "html", ".md": "md", ".pdf": "pdf"}


def _card_format(fmt: str | None, output: Path | None) -> tuple[str, Path]:
    """The card's format and file: ``--format`` and ``-o`` agree, or one tells the other."""
    formats = sorted(set(CARD_SUFFIXES.values()))
    if fmt is not None and fmt.lower() not in formats:
        raise JourneymapError(f"unknown card format '{fmt}'; valid formats: "
                              f"{', '.join(formats)}.")
    named = None if output is None else CARD_SUFFIXES.get(output.suffix.lower())
    if fmt is None:
        if output is None:
            return "html", Path("card.html")
        if named is None:
            raise JourneymapError(f"cannot tell the card format of '{output}'; use .html, .md "
                                  "or .pdf, or give --format.")
        return named, output
    fmt = fmt.lower()
    if output is None:
        return fmt, Path(f"card.{fmt}")
    if named != fmt:
        raise JourneymapError(f"--format {fmt} does not match the file name '{output}'; name "
                              f"it card.{fmt}, or leave out --format.")
    return fmt, output


def card(role: RoleArg, map_file: MapArg, data_file: OptDataArg = None,
         output: Annotated[Path | None, typer.Option(
             "-o", "--output", help="card.html (self-contained page), card.md or card.pdf "
             "(one A4 page); default card.html, or card.FORMAT with --format.")] = None,
         fmt: Annotated[str | None, typer.Option(
             "--format", "-f", help="html, md or pdf (default: from the -o file's ending). "
             "PDF needs WeasyPrint: pip install 'journeymap[pdf]'.")] = None,
         result_file: ResultOpt = None, survey_type: SurveyTypeOpt = None,
         min_responses: MinOpt = MIN_RESPONSES, engine: EngineOpt = "linear",
         lang: LangOpt = None, bins: BinsOpt = None, ess: EssOpt = None,
         ltr_states: LtrStatesOpt = None, draws: DrawsOpt = None, se: SeOpt = None) -> None:
    """The "my influence" card of a role: its routes to NPS in plain words."""
    with errors():
        from ..i18n import check_language, use_language
        from ..render import role_card, write
        from ..render.pdf import PDF_INSTALL_HINT, card_pdf, pdf_available

        lang = None if lang is None else check_language(lang)
        refuse_inputs(output, map_file, data_file, result_file)
        fmt, output = _card_format(fmt, output)
        image = output.with_suffix(".svg")
        refuse_inputs(output, map_file, data_file, result_file)
        if fmt == "md":
            refuse_inputs(image, map_file, data_file, result_file)
        if fmt == "pdf" and not pdf_available():  # before any fitting
            raise RenderError(PDF_INSTALL_HINT)
        m, result = result_for(map_file, data_file, result_file, survey_type, min_responses,
                               engine, bayes_options(engine, bins, ess, ltr_states, draws),
                               se=se)
        if result is None:
            raise JourneymapError("a card needs survey data or --result with a saved fit.")
        # the date the map file was last changed, named on the card's assumptions line
        map_date = datetime.date.fromtimestamp(Path(map_file).stat().st_mtime).isoformat()
        content: str | bytes
        if fmt == "md":
            content = role_card(result, role, format="md", min_responses=min_responses,
                                image=image.name, lang=lang, map_date=map_date)
            with use_language(lang):
                write(image, m, result, role=role, min_responses=min_responses)
        elif fmt == "pdf":
            content = card_pdf(result, role, min_responses=min_responses, lang=lang,
                               map_date=map_date)
        else:
            content = role_card(result, role, format="html", min_responses=min_responses,
                                lang=lang, map_date=map_date)
        write_atomic(output, content)
        stdout().print(f"Card written to {esc(output)}.")


def export(map_file: MapArg,
           fmt: Annotated[str, typer.Option(
               "--format", "-f",
               help="lavaan (with := effects), semopy, dagitty, dot or json.")] = "lavaan",
           output: Annotated[Path | None, typer.Option(
               "-o", "--output", help="Write to this file instead of stdout.")] = None) -> None:
    """Export the map for other tools: lavaan, semopy, DAGitty, DOT, JSON."""
    with errors():
        from ..render.export import export as export_map

        refuse_inputs(output, map_file)
        text = export_map(load_map(map_file), fmt)
        if output is None:
            write_text(text)
        else:
            write_atomic(output, text)
            stdout().print(f"Export written to {esc(output)}.")


def init(data_file: Annotated[Path, typer.Argument(
             help="A survey file or export (CSV, TSV, Excel, Parquet; Qualtrics, "
                  "SurveyMonkey, Forms, Typeform).", show_default=False)],
         output: Annotated[Path, typer.Option(
             "-o", "--output", help="The map file to write (never overwritten).")
         ] = Path("map.yaml"),
         lang: Annotated[str | None, typer.Option(
             "--lang", help="Language of the map's comments and of the messages: en, sv, da, "
             "fi or nb (default: en).", show_default=False)] = None) -> None:
    """Write a starter map from a survey file's columns, with comments saying what to add."""
    with errors():
        from ..data import read_table
        from ..i18n import check_language, use_language
        from ..i18n import gettext as _
        from ..model import JourneyMap
        from ..sources.starter import starter_map

        if lang is not None:
            check_language(lang)
        with use_language(lang):
            refuse_inputs(output, data_file)
            if output.exists() or output.is_symlink():
                raise JourneymapError(_("%(file)s: the file exists; journeymap init never "
                                        "overwrites a file. Give another name with -o.")
                                      % {"file": output})
            starter = starter_map(read_table(data_file), name=str(data_file))
            JourneyMap.from_text(starter.text, str(output))  # the map written is valid
            write_atomic(output, starter.text)
            found = ", ".join(f"{k} {esc(repr(v))}" for k, v in starter.found.items()
                              if ":" not in k and k != "segment")
            stdout().print(
                _("Starter map written to %(file)s: recommend question %(column)s (0–10), "
                  "%(n)s rating column(s)%(found)s. Next: add roles and edges (see the "
                  "comments in the file), then journeymap validate %(file)s.")
                % {"file": esc(output), "column": esc(repr(starter.outcome)),
                   "n": len(starter.ratings), "found": f"; {found}" if found else ""})
