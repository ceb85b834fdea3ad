"""Labels per language in the map file (docs/map-format.md, "Labels in several
languages"): parsed, stored, shown in the language in force, round-tripped, and bad
mappings refused naming their line."""

from __future__ import annotations

import pytest

import journeymap as jm
from journeymap.i18n import use_language
from journeymap.model import JourneyMap

MAP = """\
schema_version: 1
name: Labels
language: sv
outcome: nps
nodes:
  - {id: nps, kind: outcome, label: {sv: Rekommendation, en: Likelihood to recommend}}
  - {id: driver, kind: role, label: {sv: Chaufför, fi: Kuljettaja}}
  - id: delivery
    kind: touchpoint
    label: {sv: Leverans, en: Delivery, da: Levering, nb: Levering}
    scale: [1, 5]
  - {id: invoice, kind: touchpoint, label: Faktura, scale: [1, 5]}
edges:
  - [driver, delivery]
  - [delivery, nps]
  - [invoice, nps]
"""


def _map(text: str = MAP) -> JourneyMap:
    return JourneyMap.from_text(text, "labels.yaml")


def test_a_label_per_language_is_stored_and_the_maps_language_is_the_default() -> None:
    m = _map()
    assert m.language == "sv"
    node = m.node("delivery")
    assert dict(node.labels) == {"sv": "Leverans", "en": "Delivery", "da": "Levering",
                                 "nb": "Levering"}
    assert node.label == "Leverans"
    assert m.node("invoice").labels == {}
    assert m.node("invoice").label == "Faktura"


def test_display_follows_the_language_in_force_and_falls_back_to_the_default() -> None:
    m = _map()
    assert m.node("delivery").display == "Leverans"  # no language chosen: the map's own
    with use_language("en"):
        assert m.node("delivery").display == "Delivery"
    with use_language("fi"):
        assert m.node("delivery").display == "Leverans"  # no Finnish: the map's language
        assert m.node("driver").display == "Kuljettaja"
        assert m.node("invoice").display == "Faktura"  # a plain label in every language
    assert m.node("delivery").label_for("da") == "Levering"
    assert m.node("driver").label_for("en") == "Chaufför"


def test_without_a_map_language_english_is_the_default_label() -> None:
    m = _map(MAP.replace("language: sv\n", ""))
    assert m.language is None
    assert m.node("delivery").label == "Delivery"
    assert m.node("driver").label == "Chaufför"  # no English: the first one given


def test_labels_per_language_round_trip_through_to_dict_and_yaml() -> None:
    m = _map()
    data = m.to_dict()
    assert data["language"] == "sv"
    assert data["nodes"][2]["label"] == {"sv": "Leverans", "en": "Delivery", "da": "Levering",
                                         "nb": "Levering"}
    assert data["nodes"][3]["label"] == "Faktura"
    again = JourneyMap.from_text(m.to_yaml(), "again.yaml")
    assert again == m
    assert dict(again.node("driver").labels) == {"sv": "Chaufför", "fi": "Kuljettaja"}
    assert JourneyMap.from_dict(data) == m


@pytest.mark.parametrize(("line", "bad", "message"), [
    (10, "{sv: Leverans, de: Lieferung}",
     "labels.yaml, line 10, nodes[2].label.de: node 'delivery': 'de' is not a language of "
     "journeymap. Valid languages: en, sv, da, fi, nb; e.g. label: {sv: Leverans, "
     "en: Delivery}."),
    (10, "{sv: Leverans, en: ''}",
     "labels.yaml, line 10, nodes[2].label.en: node 'delivery': the en label is empty; give "
     "its text or leave that language out."),
    (10, "{sv: Leverans, en: }",
     "labels.yaml, line 10, nodes[2].label.en: node 'delivery': the en label is empty; give "
     "its text or leave that language out."),
    (10, "{}",
     "labels.yaml, line 10, nodes[2].label: node 'delivery': the label per language names no "
     "language; e.g. label: {sv: Leverans, en: Delivery}."),
    (10, "{sv: [Leverans]}",
     "labels.yaml, line 10, nodes[2].label.sv: must be text, not list ['Leverans']."),
])
def test_a_bad_label_mapping_is_refused_naming_its_line(line: int, bad: str,
                                                        message: str) -> None:
    text = MAP.replace("{sv: Leverans, en: Delivery, da: Levering, nb: Levering}", bad)
    with pytest.raises(jm.MapValidationError) as info:
        _map(text)
    assert str(info.value) == message
    assert f"line {line}" in message


def test_an_unknown_map_language_is_refused() -> None:
    with pytest.raises(jm.MapValidationError, match=r"labels.yaml, line 3, language: the "
                       r"map's language is 'de'; valid languages: en, sv, da, fi, nb"):
        _map(MAP.replace("language: sv", "language: de"))


def test_the_card_and_the_explanation_use_the_label_of_their_language() -> None:
    from journeymap.analysis.roles import explain_role
    from journeymap.render.card import role_card

    ex = jm.example_map().to_dict()
    for node in ex["nodes"]:
        if node["id"] == "installer":
            node["label"] = {"sv": "Installatör", "fi": "Asentaja", "en": "Installer"}
    m = JourneyMap.from_dict(ex)
    data = jm.example_data(n=600, seed=5).data
    result = jm.fit(m, data)
    assert role_card(result, "installer", format="md", lang="fi").startswith("# Asentaja — ")
    assert role_card(result, "installer", format="md", lang="sv").startswith("# Installatör — ")
    assert explain_role(result, "installer", lang="en").startswith("When Installer does")


def test_the_card_marks_a_label_in_the_maps_language_with_lang() -> None:
    from journeymap.render.card import role_card_body

    ex = jm.example_map().to_dict()
    ex["language"] = "sv"
    for node in ex["nodes"]:
        if node["id"] == "billing":
            node["label"] = {"sv": "Fakturering", "fi": "Laskutus"}
    m = JourneyMap.from_dict(ex)
    result = jm.fit(m, jm.example_data(n=600, seed=5).data)
    import shutil

    if shutil.which("dot") is None:
        pytest.skip("graphviz dot is not installed")
    assert "<h1>Laskutus</h1>" in role_card_body(result, "billing", lang="fi")
    assert '<h1 lang="sv">Installatör</h1>' in role_card_body(result, "installer", lang="fi")
    assert "<h1>Installatör</h1>" in role_card_body(result, "installer", lang="sv")
