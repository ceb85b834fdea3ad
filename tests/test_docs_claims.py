"""What the documentation claims, checked against the code.

Each test reads a page of ``docs/`` the way a user would and compares it with the object it
describes: the command line's commands and options with the typer app, the HTTP API's paths
with the OpenAPI document, the engine list with the registry, the FitResult JSON fields with a
real fit, the map example with the validator, the API reference with the package's modules.
A test failing here means the docs (or the code) must change.
"""

from __future__ import annotations

import json
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import journeymap as jm
from journeymap.exceptions import MapValidationError

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _fenced(text: str, lang: str = "") -> list[str]:
    """The bodies of the fenced blocks of a Markdown text with this info string."""
    return re.findall(rf"^```{re.escape(lang)}\n(.*?)^```$", text, flags=re.S | re.M)


def _section(text: str, heading: str, *, nested: bool = False) -> str:
    """A page's text from ``heading`` to the next heading (``nested``: to the next heading
    of the same or a higher level, so with its subsections)."""
    match = re.search(rf"^(#+) {re.escape(heading)}\s*$", text, flags=re.M)
    assert match, f"no heading {heading!r}"
    rest = text[match.end():]
    level = len(match.group(1)) if nested else 6
    end = re.search(rf"^#{{1,{level}}} ", rest, flags=re.M)
    return rest[: end.start() if end else len(rest)]


# ------------------------------------------------------------------ command line
def _app_options() -> dict[str, list[set[str]]]:
    """Every command of the ``journeymap`` app (``admin create-key`` …) and its options, one
    set of spellings per option (``{"-o", "--output"}``; a flag's ``--no-…`` form apart)."""
    import typer.main

    from journeymap.cli import app

    out: dict[str, list[set[str]]] = {}

    def walk(group: Any, prefix: str) -> None:
        for name, command in group.commands.items():
            if getattr(command, "hidden", False):
                continue
            full = f"{prefix}{name}"
            if hasattr(command, "commands"):
                walk(command, f"{full} ")
                continue
            out[full] = [set(spellings) for p in command.params
                         if p.param_type_name == "option"
                         for spellings in (p.opts, p.secondary_opts) if spellings]

    walk(typer.main.get_command(app), "")
    return out


def _app_commands() -> dict[str, set[str]]:
    """Every command of the app and every spelling of its options."""
    return {name: set().union(*groups) for name, groups in _app_options().items()}


def documented_commands(text: str) -> dict[str, set[str]]:
    """The synopsis lines of the fenced blocks of a page: command → options written there.

    A synopsis line starts with ``journeymap``; indented lines continue it.  The command is
    the words before the first argument (upper case, ``[`` or an option).
    """
    out: dict[str, set[str]] = {}
    for block in _fenced(text):
        lines: list[str] = []
        for line in block.splitlines():
            if line.startswith("journeymap "):
                lines.append(line)
            elif line.startswith(" ") and lines and line.strip():
                lines[-1] += " " + line.strip()
        for line in lines:
            words = line.split()[1:]
            command = []
            for word in words:
                if not re.fullmatch(r"[a-z][a-z-]*", word):
                    break
                command.append(word)
            name = " ".join(command)
            options = set(re.findall(r"(?<![\w/-])(--?[a-z][a-z-]*)", line))
            out.setdefault(name, set()).update(options)
    return out


def test_the_synopsis_reader_reads_commands_continuations_and_options() -> None:
    text = ("```\njourneymap fit MAP DATA [--json] [-o FILE]\n"
            "               [--stream | --in-memory]\njourneymap admin migrate [--db URL]\n"
            "```\n")
    assert documented_commands(text) == {
        "fit": {"--json", "-o", "--stream", "--in-memory"}, "admin migrate": {"--db"}}


def test_every_command_of_the_app_is_in_the_cli_page_and_no_other() -> None:
    documented = documented_commands(_read("cli.md"))
    app = _app_commands()
    assert set(documented) == set(app), (
        f"in the app but not in docs/cli.md: {sorted(set(app) - set(documented))}; "
        f"in docs/cli.md but not in the app: {sorted(set(documented) - set(app))}")


def test_every_option_in_a_synopsis_exists_on_that_command_and_every_option_is_shown() -> None:
    documented = documented_commands(_read("cli.md"))
    app = _app_commands()
    for command, groups in _app_options().items():
        shown = documented.get(command, set())
        options = app[command]
        assert shown - options == set(), f"'{command}' has no option {sorted(shown - options)}"
        missing = [sorted(g) for g in groups if not g & shown and g != {"--help"}]
        assert missing == [], f"docs/cli.md's synopsis of '{command}' lacks {missing}"


def test_every_option_named_anywhere_in_the_cli_page_exists() -> None:
    text = _read("cli.md")
    named = set(re.findall(r"`(--[a-z][a-z-]*)", text))
    known = set().union(*_app_commands().values())
    assert named, "the page names no options: the reader is broken"
    assert named - known == set()


# ------------------------------------------------------------------ engines
def _engine_lists(text: str) -> Iterator[set[str]]:
    """Every ``--engine a|b`` and ``engine linear|bayesnet``-style list on a page."""
    for match in re.finditer(r"--engine ([a-z]+(?:\|[a-z]+)+)", text):
        yield set(match.group(1).split("|"))


def test_the_engines_the_docs_list_are_the_registry() -> None:
    registry = set(jm.ENGINES)
    lists = [found for page in ("cli.md", "method.md") for found in _engine_lists(_read(page))]
    assert lists, "no engine list found in docs/cli.md or docs/method.md"
    for found in lists:
        assert found == registry
    (bullet,) = re.findall(r"^- `--engine NAME`:(.*?)(?=^- |^$)", _read("cli.md"),
                           flags=re.S | re.M)
    assert set(re.findall(r"`([a-z]+)`", bullet)) == registry
    table = _section(_read("method.md"), "11. Engines")
    assert set(re.findall(r"^\| `([a-z]+)`", table, flags=re.M)) == registry


# ------------------------------------------------------------------ HTTP API
def _normalise(path: str) -> str:
    path = re.sub(r"\[.*?\]|\?.*$", "", path)
    return re.sub(r"\{[^}]*\}", "{}", path)


def documented_routes(text: str) -> set[tuple[str, str]]:
    """(method, path) of every route in the table of docs/api.md's 'Routes' section."""
    routes = set()
    for cell in re.findall(r"^\| ((?:`[A-Z]+ [^`]+`(?:, )?)+) \|", _section(text, "Routes"),
                           flags=re.M):
        for method, path in re.findall(r"`([A-Z]+) ([^`]+)`", cell):
            routes.add((method, _normalise(path)))
    return routes


def test_the_routes_reader_reads_several_routes_in_one_cell() -> None:
    text = ("## Routes\n\n| method and path | answer |\n|---|---|\n"
            "| `GET /v1/a`, `GET /v1/a/{id}[?x=]` | things |\n\n## Next\n| `GET /v1/no` | x |\n")
    assert documented_routes(text) == {("GET", "/v1/a"), ("GET", "/v1/a/{}")}


def test_every_v1_path_in_the_api_page_is_in_the_openapi_and_vice_versa(
        tmp_path: Path) -> None:
    pytest.importorskip("fastapi")
    from journeymap_api.main import create_app
    from journeymap_api.settings import Settings

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'docs.db'}",
                              data_dir=tmp_path / "data"))
    served = {(method.upper(), _normalise(path))
              for path, item in app.openapi()["paths"].items() for method in item
              if path.startswith("/v1/") or path == "/healthz"}
    documented = documented_routes(_read("api.md"))
    assert documented - served == set(), "docs/api.md names routes the service does not have"
    assert served - documented == set(), "routes missing from docs/api.md's 'Routes' table"
    # Every /v1 path written anywhere on the page (examples too) exists.
    paths = {_normalise(p) for p in re.findall(r"(/v1/[A-Za-z0-9_{}/.$-]*)", _read("api.md"))}
    templates = [re.compile("^" + re.escape(p).replace(r"\{\}", r"[^/]+") + "$")
                 for _, p in served]
    unknown = {p for p in paths if not any(t.match(re.sub(r"\$[A-Z]+", "x", p))
                                          for t in templates)}
    assert unknown == set()


# ------------------------------------------------------------------ the FitResult JSON
def _schema_fields(section: str) -> set[str]:
    fields: set[str] = set()
    for cell in re.findall(r"^\| ((?:`[a-z_]+`(?:, )?)+) \|", section, flags=re.M):
        fields.update(re.findall(r"`([a-z_]+)`", cell))
    return fields


@pytest.fixture(scope="module")
def result_json() -> dict[str, Any]:
    fitted = jm.fit(jm.example_map(), jm.example_data(n=500, seed=11).data)
    out: dict[str, Any] = json.loads(fitted.to_json())
    return out


def _keys(records: list[dict[str, Any]]) -> set[str]:
    return set().union(*(set(r) for r in records))


def test_the_result_schema_page_lists_exactly_the_fields_of_a_fit(
        result_json: dict[str, Any]) -> None:
    page = _read("result-schema.md")
    assert _schema_fields(_section(page, "Top level")) == set(result_json)
    assert _schema_fields(_section(page, "`nps`")) == set(result_json["nps"])
    assert _schema_fields(_section(page, "`edges[]`")) == _keys(result_json["edges"])
    assert _schema_fields(_section(page, "`effects[]`")) == _keys(result_json["effects"])
    assert _schema_fields(_section(page, "`roles[]`")) == _keys(result_json["roles"])
    paths = [p for r in result_json["roles"] for p in r["paths"]]
    assert _schema_fields(_section(page, "`roles[].paths[]`")) == _keys(paths)
    assert f"`schema_version` is {result_json['schema_version']}." in page


def test_the_result_schema_example_has_the_fields_of_a_fit(
        result_json: dict[str, Any]) -> None:
    (example,) = _fenced(_read("result-schema.md"), "json")
    doc = json.loads(example.replace('"…"', '"x"'))
    assert set(doc) == set(result_json)
    for key in ("edges", "effects", "roles"):
        assert _keys(doc[key]) == _keys(result_json[key])
    assert set(doc["nps"]) == set(result_json["nps"])


# ------------------------------------------------------------------ the map file
def test_the_map_example_of_the_map_format_page_is_a_valid_map() -> None:
    example, *more = _fenced(_read("map-format.md"), "yaml")
    m = jm.JourneyMap.from_dict(yaml.safe_load(example))
    assert [n.id for n in m.nodes] == ["nps", "sales_rep", "quote", "delivery", "ease"]
    assert m.outcome == "nps"
    for text in more:  # e.g. labels in several languages: each a valid map too
        assert jm.JourneyMap.from_dict(yaml.safe_load(text)).outcome == "nps"


def _map_with_id(node_id: str) -> jm.JourneyMap:
    return jm.JourneyMap.from_dict({
        "schema_version": 1, "name": "ids", "outcome": "nps",
        "nodes": [{"id": "nps", "kind": "outcome"},
                  {"id": node_id, "kind": "touchpoint", "scale": [1, 5]}],
        "edges": [[node_id, "nps"]]})


@pytest.mark.parametrize("node_id", ["_quote", "Säljare", "quote.v2", "q-3_a"])
def test_ids_the_map_format_page_allows_are_accepted(node_id: str) -> None:
    assert "starts with a letter (any script) or `_`" in _read("map-format.md")
    assert _map_with_id(node_id).node(node_id).id == node_id


@pytest.mark.parametrize("node_id", ["3quote", "-quote", "quote clarity", ".q"])
def test_ids_the_map_format_page_forbids_are_refused(node_id: str) -> None:
    with pytest.raises(MapValidationError, match="is not a usable id: start with a letter or '_'"):
        _map_with_id(node_id)


# ------------------------------------------------------------------ the site
def _public_modules() -> set[str]:
    out = set()
    for info in pkgutil.walk_packages([str(ROOT / "journeymap")], prefix="journeymap."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts) or parts[1] == "cli":
            continue
        out.add(info.name)
    return out


def test_every_public_module_has_a_page_in_the_api_reference() -> None:
    directives = set()
    for page in (DOCS / "reference").glob("*.md"):
        directives |= set(re.findall(r"^::: ([\w.]+)$", page.read_text(encoding="utf-8"),
                                     flags=re.M))
    missing = _public_modules() - directives
    assert missing == set(), f"add these modules to a page of docs/reference/: {sorted(missing)}"
    assert directives - _public_modules() - {"journeymap"} == set()


def test_every_page_of_the_docs_is_in_the_site_navigation() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = config[config.index("\nnav:"):config.index("\nmarkdown_extensions:")]
    in_nav = set(re.findall(r"([\w/-]+\.md)", nav))
    pages = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    assert pages == in_nav



def test_every_relative_link_of_the_readme_leads_to_a_file() -> None:
    # The docs pages' links are checked by the strict site build; the README is not in the site.
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", (ROOT / "README.md").read_text("utf-8"))
    local = [link for link in links if "://" not in link]
    assert len(local) > 10
    assert [link for link in local if not (ROOT / link).exists()] == []

# ------------------------------------------------------------------ command lines in examples
def _code_spans(text: str) -> Iterator[str]:
    """Lines of the non-Python fenced blocks and the inline code spans of a Markdown text."""
    for lang, body in re.findall(r"^```(\w*)\n(.*?)^```$", text, flags=re.S | re.M):
        if lang not in ("python", "json", "yaml"):
            yield from body.splitlines()
    prose = re.sub(r"^```.*?^```$", "", text, flags=re.S | re.M)
    yield from re.findall(r"`([^`\n]+)`", prose)


def command_lines(text: str) -> Iterator[tuple[list[str], str]]:
    """(words after ``journeymap``, the rest up to a pipe or comment) of every command shown."""
    for span in _code_spans(text):
        for match in re.finditer(r"(?:^\s*|\$ |\$\()journeymap (.*)", span):
            line = re.split(r" \| | #|\)|;| > |&&", match.group(1))[0]
            # "admin delete-dataset/-map/-fit" and "validate|fit|render" name several
            # commands; the first stands for them
            yield [re.split(r"[/|]", word)[0] for word in line.split()], line


def test_every_command_line_in_the_readme_and_docs_uses_real_commands_and_options() -> None:
    app = _app_commands()
    seen = 0
    for page in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        for words, line in command_lines(page.read_text(encoding="utf-8")):
            command = next((" ".join(words[:k]) for k in (2, 1) if " ".join(words[:k]) in app),
                           None)
            assert command is not None, f"{page.name}: no command in 'journeymap {line}'"
            options = set(re.findall(r"(?<![\w/-])(--?[a-z][a-z-]*)", line))
            unknown = options - app[command]
            assert unknown == set(), f"{page.name}: '{command}' has no {sorted(unknown)}: {line}"
            seen += 1
    assert seen > 50  # the README and the pages show many command lines



# ------------------------------------------------------------------ limits
def _limit_sections() -> list[tuple[str, str, str, object]]:
    """(name, page, heading, value) of every constant of journeymap/limits.py, read from its
    section comments ``# --- Title (docs/<page>.md, "Heading") ---`` (no heading: the page)."""
    import journeymap.limits as limits

    out = []
    page = heading = None
    for line in (ROOT / "journeymap" / "limits.py").read_text(encoding="utf-8").splitlines():
        section = re.match(r"# --- .*\((docs/[\w/-]+\.md)(?:, \"([^\"]+)\")?[^)]*\)", line)
        if section:
            page, heading = section.group(1), section.group(2) or ""
        constant = re.match(r"([A-Z][A-Z0-9_]+)\s*(?::[^=]+)?=", line)
        if constant and constant.group(1) in limits.__all__:
            assert page, f"{constant.group(1)} is in no documented section"
            out.append((constant.group(1), page, heading, getattr(limits, constant.group(1))))
    return out


def quoted_forms(value: object) -> set[str]:
    """The ways a limit's value may be written in the docs (5000000, 5,000,000, 5 MB …)."""
    forms: set[str] = set()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e6:
        value = int(value)
    if isinstance(value, int):
        forms |= {str(value), f"{value:,}", f"{value:,}".replace(",", " "),
                  f"{value:,}".replace(",", "\u202f"), f"0{value:o}", f"0o{value:o}"}
        for unit, size in (("kB", 1_000), ("KB", 1_000), ("MB", 1_000_000),
                           ("GB", 1_000_000_000), ("KiB", 1024), ("MiB", 1024**2)):
            if value >= size and value % size == 0:
                forms.add(f"{value // size} {unit}")
    elif isinstance(value, float):
        exponent = f"{value:.0e}".replace("e+0", "e").replace("e-0", "e-").replace("e+", "e")
        forms |= {repr(value), f"{value:g}", exponent, f"1{exponent[1:]}"}
        sup = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
        if exponent.startswith("1e"):
            forms.add("10" + exponent[2:].translate(sup))
    return forms


def test_the_forms_of_a_limit_include_the_usual_spellings() -> None:
    assert {"5000000", "5,000,000", "5 MB"} <= quoted_forms(5_000_000)
    assert {"1e10", "10¹⁰"} <= quoted_forms(1e10)
    assert {"1e-12", "10⁻¹²"} <= quoted_forms(1e-12)
    assert "30" in quoted_forms(30.0)
    assert "1,000" in quoted_forms(1_000)
    assert "0644" in quoted_forms(0o644)


def test_every_limit_of_limits_py_is_in_a_section() -> None:
    import journeymap.limits as limits

    constants = {name for name in limits.__all__ if name.isupper()}
    assert {name for name, *_ in _limit_sections()} == constants


@pytest.mark.parametrize(("name", "page", "heading", "value"),
                         [pytest.param(*row, id=row[0]) for row in _limit_sections()])
def test_every_limit_is_quoted_with_its_value_in_its_docs_section(
        name: str, page: str, heading: str, value: object) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    if heading:
        text = _section(text, heading, nested=True)
    found = [f for f in quoted_forms(value)
             if re.search(rf"(?<![\w.,]){re.escape(f)}(?![\w]|[.,]\d)", text)]
    assert found, f"{page}, \"{heading}\" does not quote {name} = {value!r}"


# ------------------------------------------------------------------ citations in the code
SOURCES = ("journeymap", "api", "tests", "benchmarks")
CITATION = re.compile(r"docs/([\w/-]+\.md)(?:, |,? \()[\"']([^\"'\n]+)[\"']")


def _source_files() -> Iterator[Path]:
    for folder in SOURCES:
        yield from sorted((ROOT / folder).rglob("*.py"))


def _headings(page: Path) -> list[str]:
    return [h.lower() for h in re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"),
                                           flags=re.M)]


def test_the_code_cites_no_document_outside_the_repository() -> None:
    outside = ("DESIGN" + " §", "DESIGN" + ".md", "CX" + "-NOTES")
    found = [f"{path.relative_to(ROOT)}:{n}" for path in [*_source_files(), ROOT / "README.md",
                                                            *DOCS.rglob("*.md")]
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if any(word in line for word in outside)]
    assert found == []


def test_every_docs_section_the_code_cites_exists() -> None:
    cited = 0
    for path in _source_files():
        for page, title in CITATION.findall(path.read_text(encoding="utf-8")):
            target = DOCS / page
            assert target.is_file(), f"{path.relative_to(ROOT)} cites docs/{page}, which is absent"
            assert any(title.lower() in h for h in _headings(target)), (
                f"{path.relative_to(ROOT)} cites docs/{page}, \"{title}\": no such heading")
            cited += 1
    assert cited > 30
