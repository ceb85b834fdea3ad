"""Survey-tool exports read as downloaded (docs/survey-exports.md): each fixture in
tests/data/exports/ (Qualtrics with its ImportId row, legacy Qualtrics, SurveyMonkey's two
header rows, Google/Microsoft Forms, Typeform; en/sv/fi/da; UTF-8 with BOM, UTF-16, cp1252,
semicolons) loads to the numbers of the hand-made clean table, value labels in the map read
text answers, and a changed layout or an unknown answer is one clear error."""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import journeymap as jm
from journeymap.data import load_survey, read_table
from journeymap.exceptions import DataValidationError
from journeymap.model import JourneyMap
from journeymap.sources.exports import leading_number, sniff_encoding, sniff_export

EXPORTS = Path(__file__).parent / "data" / "exports"
sys.path.insert(0, str(EXPORTS))
import make_fixtures as fx  # noqa: E402

#: file → (tool, encoding, delimiter, header rows)
FIXTURES = {
    "qualtrics_en.csv": ("qualtrics", "utf-8-sig", ",", 3),
    "qualtrics_sv.csv": ("qualtrics", "utf-8-sig", ",", 3),
    "qualtrics_legacy_fi.csv": ("qualtrics-legacy", "utf-8", ",", 2),
    "surveymonkey_en.csv": ("surveymonkey", "utf-8", ",", 2),
    "surveymonkey_sv.csv": ("surveymonkey", "utf-8", ",", 2),
    "googleforms_sv.csv": ("plain", "utf-8", ",", 1),
    "excel_da_semicolon_cp1252.csv": ("plain", "cp1252", ";", 1),
    "msforms_fi_unicode.txt": ("plain", "utf-16", "\t", 1),
    "typeform_en.csv": ("plain", "utf-8", ",", 1),
}
#: Excel downloads (Norwegian): file → (tool, header rows); not sniffed as text
EXCEL = {"msforms_nb.xlsx": ("plain", 1), "surveymonkey_nb.xlsx": ("surveymonkey", 2)}
SATISFACTION = {t: i + 1 for words in fx.SATISFACTION.values() for i, t in enumerate(words)}


def export_map(**delivery: object) -> JourneyMap:
    """Nodes found by their question texts in four languages; one shared value set."""
    return JourneyMap.from_dict({
        "outcome": "nps", "value_sets": {"satisfaction": SATISFACTION},
        "nodes": [{"id": "nps", "kind": "outcome", "question": fx.NPS_Q},
                  {"id": "delivery", "kind": "touchpoint", "scale": [1, 5],
                   "values": "satisfaction", "question": fx.DELIVERY_Q, **delivery},
                  {"id": "installation", "kind": "touchpoint", "scale": [1, 5],
                   "values": "satisfaction", "question": fx.INSTALL_Q}],
        "edges": [["delivery", "nps"], ["installation", "nps"]]})


def clean_table() -> dict[str, list[float]]:
    """clean.csv read with the csv module: the numbers every fixture must give."""
    with (EXPORTS / "clean.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return {c: [float(r[c]) if r[c] else math.nan for r in rows]
            for c in ("nps", "delivery", "installation")}


@pytest.mark.parametrize("name", sorted(FIXTURES) + sorted(EXCEL))
def test_each_export_loads_to_the_numbers_of_the_clean_table(name: str) -> None:
    data = load_survey(EXPORTS / name, export_map())
    clean = clean_table()
    assert data.n == 40
    assert data.ltr.tolist() == [int(v) for v in clean["nps"]]
    for node in ("delivery", "installation"):
        np.testing.assert_array_equal(data.column(node), np.array(clean[node]))
    assert int(np.isnan(data.column("installation")).sum()) == 4  # responses 5, 14, 23, 32


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_each_export_layout_encoding_and_delimiter_is_recognised(name: str) -> None:
    layout = sniff_export(EXPORTS / name)
    assert (layout.tool, layout.encoding, layout.delimiter, layout.header_rows) == FIXTURES[name]


#: The Norwegian answer words by hand (docs/survey-exports.md, "Value labels"): the five
#: satisfaction labels, and "Ikke relevant" (not applicable) as missing.
NORWEGIAN = {"Svært misfornøyd": 1.0, "Misfornøyd": 2.0, "Verken fornøyd eller misfornøyd": 3.0,
             "Fornøyd": 4.0, "Svært fornøyd": 5.0, "Ikke relevant": math.nan}


@pytest.mark.parametrize("name", sorted(EXCEL))
def test_the_norwegian_excel_downloads_give_the_values_of_a_hand_mapping(name: str) -> None:
    from openpyxl import load_workbook

    book = load_workbook(EXPORTS / name, read_only=True)
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    book.close()
    header, first = rows[0], EXCEL[name][1]
    col = {q: header.index(q) for q in (fx.NPS_Q["nb"], fx.DELIVERY_Q["nb"],
                                        fx.INSTALL_Q["nb"])}
    body = rows[first:]
    data = load_survey(EXPORTS / name, export_map())
    assert data.ltr.tolist() == [r[col[fx.NPS_Q["nb"]]] for r in body]
    for node, q in (("delivery", fx.DELIVERY_Q["nb"]), ("installation", fx.INSTALL_Q["nb"])):
        hand = np.array([NORWEGIAN[r[col[q]]] for r in body])
        np.testing.assert_array_equal(data.column(node), hand)
    assert sum(r[col[fx.INSTALL_Q["nb"]]] == "Ikke relevant" for r in body) == 4
    frame = read_table(EXPORTS / name)
    layout = frame.attrs.get("journeymap_export")
    assert ((layout.tool, layout.header_rows) if layout else ("plain", 1)) == EXCEL[name]
    # rows are numbered under the first header row, as for a CSV
    assert frame.index[0] == EXCEL[name][1] - 1


def test_a_qualtrics_layout_saved_as_excel_loads_as_its_csv(tmp_path: Path) -> None:
    from openpyxl import Workbook

    with (EXPORTS / "qualtrics_en.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    book = Workbook()
    for row in rows:
        book.active.append([c or None for c in row])
    path = tmp_path / "qualtrics.xlsx"
    book.save(path)
    frame = read_table(path)
    assert frame.attrs["journeymap_export"].tool == "qualtrics"
    assert frame.index[0] == 2
    data = load_survey(path, export_map())
    assert data.ltr.tolist() == [int(v) for v in clean_table()["nps"]]
    np.testing.assert_array_equal(data.column("installation"),
                                  np.array(clean_table()["installation"]))


def test_an_excel_download_with_a_changed_layout_is_one_clear_error(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["StartDate", "ResponseId", "Q1"])
    sheet.append(['{"ImportId":"startDate"}', "Response ID", "Q1 text"])
    sheet.append(["2026-03-01", "R_1", 9])
    path = tmp_path / "edited.xlsx"
    book.save(path)
    with pytest.raises(DataValidationError) as info:
        read_table(path)
    assert "its ImportId row is row 2" in str(info.value)
    assert "edited.xlsx" in str(info.value)


def test_a_qualtrics_export_keeps_its_ids_as_columns_and_question_texts_per_column() -> None:
    frame = read_table(EXPORTS / "qualtrics_en.csv")
    layout = sniff_export(EXPORTS / "qualtrics_en.csv")
    assert list(frame.columns[-6:]) == ["Q1", "Q1_NPS_GROUP", "Q2", "Q3", "Q4", "Q5"]
    assert layout.questions["Q2"] == fx.DELIVERY_Q["en"]
    assert frame["Q4"].iloc[1] == "The fitter was late"
    assert frame.index[0] == 2  # row 3: the line under the first header row is row 1


def test_the_nps_of_a_qualtrics_export_equals_the_hand_worked_nps() -> None:
    ltr = clean_table()["nps"]
    promoters = sum(v >= 9 for v in ltr)
    detractors = sum(v <= 6 for v in ltr)
    data = load_survey(EXPORTS / "qualtrics_sv.csv", export_map())
    assert jm.nps.nps_score(data.ltr).value == pytest.approx(
        100 * (promoters - detractors) / len(ltr))


def test_a_map_may_name_an_export_column_by_its_id_or_by_its_question_text() -> None:
    by_id = JourneyMap.from_dict({
        "outcome": "nps", "nodes": [
            {"id": "nps", "kind": "outcome", "column": "Q1"},
            {"id": "delivery", "kind": "touchpoint", "scale": [1, 5], "column": "Q2",
             "values": SATISFACTION},
            {"id": "installation", "kind": "touchpoint", "scale": [1, 5],
             "column": fx.INSTALL_Q["en"].upper(), "values": SATISFACTION}],
        "edges": [["delivery", "nps"], ["installation", "nps"]]})
    data = load_survey(EXPORTS / "qualtrics_en.csv", by_id)
    np.testing.assert_array_equal(data.column("installation"),
                                  np.array(clean_table()["installation"]))


def _edit(name: str, tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    raw = (EXPORTS / name).read_bytes()
    enc = FIXTURES[name][1]
    text = raw.decode(enc)
    assert old in text
    out = tmp_path / name
    out.write_bytes(text.replace(old, new, count).encode(enc))
    return out


def test_unknown_text_in_a_rating_column_names_column_row_value_and_the_values_key(
        tmp_path: Path) -> None:
    # The 4th response's delivery is "Satisfied"; a typo there, in a 3-header-row file.
    path = _edit("qualtrics_en.csv", tmp_path, "R_1003,,,,,59.3293,18.0686,anonymous,EN,"
                 "10 - Extremely likely,Promoter,Satisfied",
                 "R_1003,,,,,59.3293,18.0686,anonymous,EN,"
                 "10 - Extremely likely,Promoter,Satisfyed")
    with pytest.raises(DataValidationError) as info:
        load_survey(path, export_map())
    message = str(info.value)
    assert message.count("column 'Q2' (node 'delivery')") == 1
    # the 4th response is on the file's line 7: row 6 under the first header row
    assert "row 6 ('Satisfyed')" in message
    assert "values: {\"Satisfyed\": 5, …}" in message
    assert "\n" not in message


@pytest.mark.parametrize(("old", "new", "why"), [
    ('"{""ImportId"":""QID2""}"', "QID2", "header rows do not hold together"),
    ("Start Date,End Date,Response Type", '"{""ImportId"":""x""}",End Date,Response Type',
     "its ImportId row is row 2"),
])
def test_a_qualtrics_export_with_a_changed_layout_is_one_clear_error(
        tmp_path: Path, old: str, new: str, why: str) -> None:
    path = _edit("qualtrics_en.csv", tmp_path, old, new)
    with pytest.raises(DataValidationError) as info:
        load_survey(path, export_map())
    assert why in str(info.value)
    assert "without editing its first" in str(info.value)


def test_a_question_text_that_matches_two_columns_is_an_error_naming_both() -> None:
    with pytest.raises(DataValidationError, match="matches several columns") as info:
        load_survey(EXPORTS / "qualtrics_en.csv",
                    export_map(question={"en": fx.NPS_Q["en"], "sv": "Company"}))
    assert "'Q1', 'Q5'" in str(info.value)


def test_answers_meaning_not_applicable_are_missing_and_leading_numbers_are_read() -> None:
    assert [leading_number(t) for t in ("10 - Extremely likely", "0 = Inte alls troligt",
                                        "5 (Very satisfied)", "Very satisfied", "7")] == \
        [10, 0, 5, None, None]
    m = JourneyMap.from_dict({"outcome": "nps", "nodes": [
        {"id": "nps", "kind": "outcome", "column": "ltr"},
        {"id": "q", "kind": "touchpoint", "scale": [1, 5]}], "edges": [["q", "nps"]]})
    import pandas as pd

    frame = pd.DataFrame({"ltr": ["10 - Extremely likely", "0 - Not at all likely", "7", "8"],
                          "q": ["Vet ej", "Ei koske minua", "5 - Very satisfied", "N/A"]})
    data = load_survey(frame, m)
    assert data.ltr.tolist() == [10, 0, 7, 8]
    np.testing.assert_array_equal(data.column("q"), [np.nan, np.nan, 5.0, np.nan])


def test_a_value_label_mapped_to_null_is_missing_and_overrides_a_leading_number() -> None:
    import pandas as pd

    m = JourneyMap.from_dict({"outcome": "nps", "nodes": [
        {"id": "nps", "kind": "outcome", "column": "ltr"},
        {"id": "q", "kind": "touchpoint", "scale": [1, 5],
         "values": {"Bra": 4, "Dålig": 2, "1 - ingen åsikt": None}}], "edges": [["q", "nps"]]})
    frame = pd.DataFrame({"ltr": [9, 3, 5], "q": [" bra ", "DÅLIG", "1 - Ingen  åsikt"]})
    np.testing.assert_array_equal(load_survey(frame, m).column("q"), [4.0, 2.0, np.nan])


@pytest.mark.parametrize(("node", "problem"), [
    ({"values": {"Bra": 7}}, "the value label 'Bra' is 7, outside the node's scale 1–5"),
    ({"values": "nöjdhet"}, "names the value set 'nöjdhet', which 'value_sets' does not "
                            "define (defined: satisfaction)"),
    ({"values": {"Bra": 4, " bra": 5}}, "' bra' and 'Bra' are the same answer"),
    ({"values": {"Bra": "fyra"}}, "'Bra' must map to a number (or null for missing)"),
    ({"values": []}, "must be a table answer text: number"),
])
def test_bad_value_labels_are_refused_naming_the_line(node: dict[str, object],
                                                      problem: str) -> None:
    text = ("outcome: nps\nvalue_sets:\n  satisfaction: {Nöjd: 4}\nnodes:\n"
            "  - {id: nps, kind: outcome, column: ltr}\n"
            f"  - {{id: q, kind: touchpoint, scale: [1, 5], values: {_flow(node['values'])}}}\n"
            "edges: [[q, nps]]\n")
    with pytest.raises(jm.exceptions.MapValidationError) as info:
        JourneyMap.from_text(text, "v.yaml")
    assert "v.yaml, line 6, nodes[1].values" in str(info.value)
    assert problem in str(info.value)


def _flow(value: object) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def test_the_outcome_value_labels_must_be_whole_numbers_0_to_10() -> None:
    with pytest.raises(jm.exceptions.MapValidationError, match="whole numbers 0–10"):
        JourneyMap.from_dict({"outcome": "nps", "nodes": [
            {"id": "nps", "kind": "outcome", "values": {"Top": 9.5}},
            {"id": "q", "kind": "touchpoint", "scale": [1, 5]}], "edges": [["q", "nps"]]})


def test_value_labels_and_value_sets_round_trip_through_yaml() -> None:
    m = export_map()
    again = JourneyMap.from_text(m.to_yaml(), "again.yaml")
    assert again.to_dict() == m.to_dict()
    assert again.node("delivery").value_set == "satisfaction"
    assert dict(again.node("installation").values)["Meget tilfreds"] == 5.0


def test_the_encoding_rule_bom_first_then_utf8_then_cp1252_then_latin1() -> None:
    assert sniff_encoding(b"\xef\xbb\xbfa,b") == "utf-8-sig"
    assert sniff_encoding("a\tb".encode("utf-16")) == "utf-16"
    assert sniff_encoding("nöjd".encode()) == "utf-8"
    assert sniff_encoding("nöjd – €".encode("cp1252")) == "cp1252"
    assert sniff_encoding(b"\x81\x8d") == "latin-1"  # bytes cp1252 leaves undefined


def _edges(result: jm.FitResult) -> list[tuple[str, str, float, float]]:
    return [(e["from"], e["to"], e["estimate"], e["se"]) for e in result.to_dict()["edges"]]


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_each_export_streamed_in_chunks_gives_the_fit_in_memory(name: str) -> None:
    m = export_map()
    whole = jm.fit(m, EXPORTS / name, se="classical", check_map=False)
    rows: list[int] = []
    streamed = jm.fit_stream(m, EXPORTS / name, chunk_rows=7, se="classical",
                             check_map=False, progress=lambda done, _total: rows.append(done))
    ltr = clean_table()["nps"]
    assert streamed.nps.value == whole.nps.value == pytest.approx(
        100 * (sum(v >= 9 for v in ltr) - sum(v <= 6 for v in ltr)) / len(ltr))
    assert streamed.to_dict()["n_responses"] == whole.to_dict()["n_responses"] == 40
    for a, b in zip(_edges(streamed), _edges(whole), strict=True):
        assert a[:2] == b[:2]
        assert a[2:] == pytest.approx(b[2:], rel=1e-9)
    assert rows[-1] == 40
    if FIXTURES[name][0] != "plain" or FIXTURES[name][1] not in ("utf-8", "utf-8-sig"):
        # an export is read 7 file rows at a time: the header rows take the first chunk's
        steps = np.diff([0, *rows])
        assert steps.max() <= 7
        assert len(rows) == math.ceil((40 + FIXTURES[name][3]) / 7)


@pytest.mark.parametrize(("new", "said"), [
    # the 13th response is on the file's line 16: row 15 under the first header row
    ("R_1012,,,,,59.3293,18.0686,anonymous,EN,Tio,", "row 15 ('Tio')"),
    ("R_1012,,,,,59.3293,18.0686,anonymous,EN,7,7,", "Expected 23 fields in line 16, saw 24"),
])
def test_a_bad_row_streamed_is_the_same_error_as_in_memory(tmp_path: Path, new: str,
                                                           said: str) -> None:
    path = _edit("qualtrics_en.csv", tmp_path, "R_1012,,,,,59.3293,18.0686,anonymous,EN,7,",
                 new)
    with pytest.raises(DataValidationError) as whole:
        load_survey(path, export_map())
    with pytest.raises(DataValidationError) as streamed:
        jm.fit_stream(export_map(), path, chunk_rows=5)
    assert str(streamed.value) == str(whole.value)
    assert said in str(whole.value)


def test_a_streamed_export_with_a_changed_layout_is_the_same_one_error(tmp_path: Path) -> None:
    path = _edit("qualtrics_en.csv", tmp_path, '"{""ImportId"":""QID2""}"', "QID2")
    with pytest.raises(DataValidationError) as info:
        jm.fit_stream(export_map(), path, chunk_rows=5)
    assert "header rows do not hold together" in str(info.value)


def test_a_streamed_export_without_a_column_of_the_map_names_it() -> None:
    m = export_map(question={"en": "How satisfied were you with the invoice?"})
    with pytest.raises(DataValidationError) as whole:
        load_survey(EXPORTS / "qualtrics_en.csv", m)
    with pytest.raises(DataValidationError) as streamed:
        jm.fit_stream(m, EXPORTS / "qualtrics_en.csv", chunk_rows=5)
    assert str(streamed.value) == str(whole.value)
    assert "the map needs columns that the data do not have" in str(whole.value)


@pytest.mark.slow
def test_a_large_qualtrics_export_streamed_gives_the_fit_in_memory(tmp_path: Path) -> None:
    """Above STREAM_FITS_ABOVE_BYTES the service streams a fit: a Qualtrics
    file of 77,200 responses under its three header rows, read 20,000 file rows at a time,
    gives the in-memory fit."""
    from journeymap.limits import STREAM_FITS_ABOVE_BYTES

    lines = (EXPORTS / "qualtrics_en.csv").read_text("utf-8-sig").splitlines(keepends=True)
    body = "".join(lines[3:])
    reps = STREAM_FITS_ABOVE_BYTES // len(body.encode("utf-8")) + 1
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        f.write("".join(lines[:3]))
        for _ in range(reps):
            f.write(body)
    assert path.stat().st_size > STREAM_FITS_ABOVE_BYTES
    m = export_map()
    rows: list[int] = []
    streamed = jm.fit_stream(m, path, chunk_rows=20_000, se="classical", check_map=False,
                             progress=lambda done, _total: rows.append(done))
    whole = jm.fit(m, path, se="classical", check_map=False)
    n = 40 * reps
    assert streamed.to_dict()["n_responses"] == whole.to_dict()["n_responses"] == n
    assert streamed.nps.value == pytest.approx(whole.nps.value, abs=1e-9)
    assert streamed.nps.value == pytest.approx(-35.0)  # the 40 responses' NPS, repeated
    for a, b in zip(_edges(streamed), _edges(whole), strict=True):
        assert a[2:] == pytest.approx(b[2:], rel=1e-9)
    # read in chunks: never more than 20,000 file rows at once, the first after 19,997
    assert rows[0] == 20_000 - 3
    assert max(np.diff([0, *rows])) <= 20_000
    assert rows[-1] == n


@pytest.mark.parametrize(("lang", "words"), [
    ("sv", ("kolumnen 'Q2' (nod 'delivery') har text där ett tal väntas", "values: {")),
    ("da", ("kolonnen 'Q2' (node 'delivery') har tekst, hvor der ventes et tal", "values: {")),
    ("fi", ("sarake 'Q2' (solmu 'delivery') sisältää tekstiä", "values: {")),
    ("nb", ("kolonnen 'Q2' (node 'delivery') har tekst der det ventes et tall", "values: {")),
])
def test_the_reader_s_messages_are_in_the_language_in_force(tmp_path: Path, lang: str,
                                                             words: tuple[str, str]) -> None:
    from journeymap.i18n import use_language

    path = _edit("qualtrics_en.csv", tmp_path, "EN,10 - Extremely likely,Promoter,Satisfied",
                 "EN,10 - Extremely likely,Promoter,Satisfyed")
    with use_language(lang), pytest.raises(DataValidationError) as info:
        load_survey(path, export_map())
    message = str(info.value)
    assert all(w in message for w in words), message
    assert "('Satisfyed')" in message
    (tmp_path / "layout").mkdir()
    edited = _edit("qualtrics_en.csv", tmp_path / "layout", '"{""ImportId"":""QID2""}"',
                   "QID2")
    with use_language(lang), pytest.raises(DataValidationError) as layout:
        load_survey(edited, export_map())
    assert "Qualtrics" in str(layout.value)
    assert "do not hold together" not in str(layout.value)  # translated
