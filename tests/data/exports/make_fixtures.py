"""Write the survey-tool export fixtures of this folder (run once; the files are committed).

One set of 40 responses (``clean.csv``, the hand-made clean table) written the way each
tool lays out its export (docs/survey-exports.md): Qualtrics (three header rows with the
ImportId row; choice text), legacy Qualtrics (V1… over ResponseID…), SurveyMonkey's
expanded CSV (two header rows), Google Forms, Microsoft Forms saved by Excel as
"Unicode text" (UTF-16, tabs), Typeform, and a Google Forms file re-saved by Danish Excel
(semicolons, cp1252), and two Norwegian Excel downloads: Microsoft Forms' "Open in Excel"
(one header row, times as date cells) and SurveyMonkey's XLS export (its two header rows).
Run: ``python tests/data/exports/make_fixtures.py``.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
N = 40

NPS_Q = {
    "en": "How likely is it that you would recommend Kitchen Co to a friend or colleague?",
    "sv": "Hur troligt är det att du skulle rekommendera Kitchen Co till en vän eller kollega?",
    "fi": "Kuinka todennäköisesti suosittelisit Kitchen Co:ta ystävällesi tai kollegallesi?",
    "da": "Hvor sandsynligt er det, at du vil anbefale Kitchen Co til en ven eller kollega?",
    "nb": "Hvor sannsynlig er det at du vil anbefale Kitchen Co til en venn eller kollega?"}
NPS_ENDS = {"en": ("0 - Not at all likely", "10 - Extremely likely"),
            "sv": ("0 - Inte alls troligt", "10 - Mycket troligt"),
            "fi": ("0 - Erittäin epätodennäköistä", "10 - Erittäin todennäköistä"),
            "da": ("0 - Slet ikke sandsynligt", "10 - Meget sandsynligt"),
            "nb": ("0 - Svært lite sannsynlig", "10 - Svært sannsynlig")}
DELIVERY_Q = {"en": "How satisfied were you with the delivery?",
              "sv": "Hur nöjd var du med leveransen?",
              "fi": "Kuinka tyytyväinen olit toimitukseen?",
              "da": "Hvor tilfreds var du med leveringen?",
              "nb": "Hvor fornøyd var du med leveransen?"}
INSTALL_Q = {"en": "How satisfied were you with the installation?",
             "sv": "Hur nöjd var du med installationen?",
             "fi": "Kuinka tyytyväinen olit asennukseen?",
             "da": "Hvor tilfreds var du med installationen?",
             "nb": "Hvor fornøyd var du med monteringen?"}
COMMENT_Q = {"en": "What is the main reason for your score?",
             "sv": "Vad är det främsta skälet till ditt betyg?",
             "fi": "Mikä on tärkein syy antamallesi arvosanalle?",
             "da": "Hvad er hovedårsagen til din vurdering?",
             "nb": "Hva er hovedårsaken til vurderingen din?"}
COMPANY_Q = {"en": "Company", "sv": "Företag", "fi": "Yritys", "da": "Virksomhed",
             "nb": "Bedrift"}
SATISFACTION = {
    "en": ["Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied",
           "Satisfied", "Very satisfied"],
    "sv": ["Mycket missnöjd", "Missnöjd", "Varken nöjd eller missnöjd", "Nöjd", "Mycket nöjd"],
    "fi": ["Erittäin tyytymätön", "Tyytymätön", "Ei tyytyväinen eikä tyytymätön",
           "Tyytyväinen", "Erittäin tyytyväinen"],
    "da": ["Meget utilfreds", "Utilfreds", "Hverken tilfreds eller utilfreds", "Tilfreds",
           "Meget tilfreds"],
    "nb": ["Svært misfornøyd", "Misfornøyd", "Verken fornøyd eller misfornøyd", "Fornøyd",
           "Svært fornøyd"]}
NOT_APPLICABLE = {"en": "Not applicable", "sv": "Vet ej", "fi": "Ei koske minua",
                  "da": "Ved ikke", "nb": "Ikke relevant"}
COMPANIES = ["Nordkök AB", "Keittiö Oy", "Køkkenhuset A/S", "Acme Kitchens Ltd"]
COMMENTS = {"en": ["Fast delivery", "The fitter was late", "", "Great value, “top” service"],
            "sv": ["Snabb leverans", "Montören kom sent", "", "Bra värde – toppenservice"],
            "fi": ["Nopea toimitus", "Asentaja myöhästyi", "", "Hyvä hinta – huippupalvelu"],
            "da": ["Hurtig levering", "Montøren kom for sent", "", "God værdi – topservice"],
            "nb": ["Rask levering", "Montøren kom for sent", "", "God verdi – toppservice"]}


def clean_rows() -> list[dict[str, object]]:
    """40 responses: LTR 0–10 tied to the two ratings, a few not applicable."""
    rng = np.random.default_rng(17)
    rows = []
    for i in range(N):
        d = int(rng.integers(1, 6))
        s = int(rng.integers(1, 6))
        ltr = int(np.clip(round(d + s + rng.normal(0, 1.2)), 0, 10))
        if i in (3, 17):
            ltr = 10
        if i == 8:
            ltr = 0
        rows.append({"response_id": f"R_{1000 + i}", "date": f"2026-03-{1 + i % 28:02d}",
                     "nps": ltr, "delivery": d, "installation": None if i % 9 == 4 else s,
                     "comment": i % 4, "company": COMPANIES[i % 4]})
    return rows


def ltr_text(v: int, lang: str) -> str:
    lo, hi = NPS_ENDS[lang]
    return lo if v == 0 else hi if v == 10 else str(v)


def sat_text(v: object, lang: str) -> str:
    return NOT_APPLICABLE[lang] if v is None else SATISFACTION[lang][int(v) - 1]  # type: ignore[call-overload]


def write(path: Path, rows: list[list[str]], *, encoding: str = "utf-8", sep: str = ",",
          bom: bool = False) -> None:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\r\n").writerows(rows)
    data = buf.getvalue().encode(encoding)
    if bom and encoding == "utf-8":
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)


def main() -> None:
    rows = clean_rows()
    clean = [["response_id", "date", "nps", "delivery", "installation", "comment", "company"]]
    for r in rows:
        clean.append([str(r["response_id"]), str(r["date"]), str(r["nps"]), str(r["delivery"]),
                      "" if r["installation"] is None else str(r["installation"]),
                      COMMENTS["en"][int(r["comment"])], str(r["company"])])  # type: ignore[call-overload]
    write(HERE / "clean.csv", clean)

    # Qualtrics (English): ids, question texts, ImportId JSON; choice text; UTF-8 with BOM.
    meta = [("StartDate", "Start Date", {"ImportId": "startDate", "timeZone": "Europe/Stockholm"}),
            ("EndDate", "End Date", {"ImportId": "endDate", "timeZone": "Europe/Stockholm"}),
            ("Status", "Response Type", {"ImportId": "status"}),
            ("IPAddress", "IP Address", {"ImportId": "ipAddress"}),
            ("Progress", "Progress", {"ImportId": "progress"}),
            ("Duration (in seconds)", "Duration (in seconds)", {"ImportId": "duration"}),
            ("Finished", "Finished", {"ImportId": "finished"}),
            ("RecordedDate", "Recorded Date",
             {"ImportId": "recordedDate", "timeZone": "Europe/Stockholm"}),
            ("ResponseId", "Response ID", {"ImportId": "_recordId"}),
            ("RecipientLastName", "Recipient Last Name", {"ImportId": "recipientLastName"}),
            ("RecipientFirstName", "Recipient First Name", {"ImportId": "recipientFirstName"}),
            ("RecipientEmail", "Recipient Email", {"ImportId": "recipientEmail"}),
            ("ExternalReference", "External Data Reference", {"ImportId": "externalDataReference"}),
            ("LocationLatitude", "Location Latitude", {"ImportId": "locationLatitude"}),
            ("LocationLongitude", "Location Longitude", {"ImportId": "locationLongitude"}),
            ("DistributionChannel", "Distribution Channel", {"ImportId": "distributionChannel"}),
            ("UserLanguage", "User Language", {"ImportId": "userLanguage"})]
    for lang, name in (("en", "qualtrics_en.csv"), ("sv", "qualtrics_sv.csv")):
        qs = [("Q1", NPS_Q[lang], {"ImportId": "QID1"}),
              ("Q1_NPS_GROUP", f"{NPS_Q[lang]} - Group", {"ImportId": "QID1_NPS_GROUP"}),
              ("Q2", DELIVERY_Q[lang], {"ImportId": "QID2"}),
              ("Q3", INSTALL_Q[lang], {"ImportId": "QID3"}),
              ("Q4", COMMENT_Q[lang], {"ImportId": "QID4_TEXT"}),
              ("Q5", COMPANY_Q[lang], {"ImportId": "QID5_TEXT"})]
        cols = meta + qs
        out = [[c[0] for c in cols], [c[1] for c in cols],
               [json.dumps(c[2], separators=(",", ":")) for c in cols]]
        for r in rows:
            ltr = int(r["nps"])  # type: ignore[call-overload]
            group = "Promoter" if ltr >= 9 else "Passive" if ltr >= 7 else "Detractor"
            day = str(r["date"])
            out.append([f"{day} 09:12:03", f"{day} 09:15:41", "IP Address", "192.0.2.10", "100",
                        "218", "True", f"{day} 09:15:42", str(r["response_id"]), "", "", "", "",
                        "59.3293", "18.0686", "anonymous", lang.upper(),
                        ltr_text(ltr, lang), group, sat_text(r["delivery"], lang),
                        sat_text(r["installation"], lang),
                        COMMENTS[lang][int(r["comment"])], str(r["company"])])  # type: ignore[call-overload]
        write(HERE / name, out, bom=True)

    # Legacy Qualtrics (Finnish): V1… over ResponseID…, recode values (numbers).
    legacy_meta = ["ResponseID", "ResponseSet", "Name", "ExternalDataReference", "EmailAddress",
                   "IPAddress", "Status", "StartDate", "EndDate", "Finished"]
    top = [f"V{i}" for i in range(1, len(legacy_meta) + 1)] + ["Q1", "Q2", "Q3", "Q4", "Q5"]
    second = [*legacy_meta, NPS_Q["fi"], DELIVERY_Q["fi"], INSTALL_Q["fi"], COMMENT_Q["fi"],
              COMPANY_Q["fi"]]
    out = [top, second]
    for r in rows:
        day = str(r["date"])
        out.append([str(r["response_id"]), "Default Response Set", "Anonymous", "", "",
                    "192.0.2.10", "0", f"{day} 09:12:03", f"{day} 09:15:41", "1", str(r["nps"]),
                    str(r["delivery"]),
                    "" if r["installation"] is None else str(r["installation"]),
                    COMMENTS["fi"][int(r["comment"])], str(r["company"])])  # type: ignore[call-overload]
    write(HERE / "qualtrics_legacy_fi.csv", out)

    # SurveyMonkey expanded CSV (English and Swedish): two header rows.
    for lang, name, response in (("en", "surveymonkey_en.csv", "Response"),
                                 ("sv", "surveymonkey_sv.csv", "Svar")):
        open_ended = "Open-Ended Response" if lang == "en" else "Öppet svar"
        row1 = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
                "Email Address", "First Name", "Last Name", "Custom Data 1",
                NPS_Q[lang], DELIVERY_Q[lang], INSTALL_Q[lang], COMMENT_Q[lang], COMPANY_Q[lang]]
        row2 = [""] * 9 + [response, response, response, open_ended, open_ended]
        out = [row1, row2]
        for i, r in enumerate(rows):
            day = str(r["date"]).split("-")
            stamp = f"{day[1]}/{day[2]}/{day[0]} 9:12:03 AM"
            out.append([str(114000000000 + i), "431234567", stamp, stamp, "192.0.2.10", "", "",
                        "", "", str(r["nps"]), sat_text(r["delivery"], lang),
                        sat_text(r["installation"], lang),
                        COMMENTS[lang][int(r["comment"])], str(r["company"])])  # type: ignore[call-overload]
        write(HERE / name, out)

    # Google Forms (Swedish): question texts as column names, a timestamp first.
    out = [["Tidstämpel", NPS_Q["sv"], DELIVERY_Q["sv"], INSTALL_Q["sv"], COMMENT_Q["sv"],
            COMPANY_Q["sv"]]]
    for r in rows:
        y, m, d = str(r["date"]).split("-")
        out.append([f"{y}-{m}-{d} 09:15:41", str(r["nps"]), sat_text(r["delivery"], "sv"),
                    sat_text(r["installation"], "sv"), COMMENTS["sv"][int(r["comment"])],  # type: ignore[call-overload]
                    str(r["company"])])
    write(HERE / "googleforms_sv.csv", out)

    # The Danish Google Forms file re-saved by Danish Excel: semicolons, cp1252.
    out = [["Tidsstempel", NPS_Q["da"], DELIVERY_Q["da"], INSTALL_Q["da"], COMMENT_Q["da"],
            COMPANY_Q["da"]]]
    for r in rows:
        y, m, d = str(r["date"]).split("-")
        out.append([f"{d}-{m}-{y} 09:15", ltr_text(int(r["nps"]), "da"),  # type: ignore[call-overload]
                    sat_text(r["delivery"], "da"), sat_text(r["installation"], "da"),
                    COMMENTS["da"][int(r["comment"])].replace("–", "-"),  # type: ignore[call-overload]
                    str(r["company"])])
    write(HERE / "excel_da_semicolon_cp1252.csv", out, encoding="cp1252", sep=";")

    # Microsoft Forms (Finnish) saved by Excel as "Unicode text": UTF-16 with BOM, tabs.
    out = [["ID", "Aloitusaika", "Valmistumisaika", "Sähköposti", "Nimi", NPS_Q["fi"],
            DELIVERY_Q["fi"], INSTALL_Q["fi"], COMMENT_Q["fi"], COMPANY_Q["fi"]]]
    for i, r in enumerate(rows):
        y, m, d = str(r["date"]).split("-")
        stamp = f"{int(d)}.{int(m)}.{y} 9.12.03"
        out.append([str(i + 1), stamp, stamp, "anonymous", "", ltr_text(int(r["nps"]), "fi"),  # type: ignore[call-overload]
                    sat_text(r["delivery"], "fi"), sat_text(r["installation"], "fi"),
                    COMMENTS["fi"][int(r["comment"])], str(r["company"])])  # type: ignore[call-overload]
    buf = io.StringIO()
    csv.writer(buf, delimiter="\t", lineterminator="\r\n").writerows(out)
    (HERE / "msforms_fi_unicode.txt").write_bytes(buf.getvalue().encode("utf-16"))

    # Typeform (English): "#", question texts, then dates and Network ID.
    out = [["#", NPS_Q["en"], DELIVERY_Q["en"], INSTALL_Q["en"], COMMENT_Q["en"],
            COMPANY_Q["en"], "Start Date (UTC)", "Submit Date (UTC)", "Network ID"]]
    for i, r in enumerate(rows):
        out.append([f"{i:032x}", str(r["nps"]), sat_text(r["delivery"], "en"),
                    "" if r["installation"] is None else sat_text(r["installation"], "en"),
                    COMMENTS["en"][int(r["comment"])], str(r["company"]),  # type: ignore[call-overload]
                    f"{r['date']} 09:12:03", f"{r['date']} 09:15:41", "3f6c1a2b9d"])
    write(HERE / "typeform_en.csv", out)
    write_xlsx(rows)


def write_xlsx(rows: list[dict[str, object]]) -> None:
    """The two Norwegian Excel downloads, written with openpyxl."""
    from datetime import datetime

    from openpyxl import Workbook

    def save(book: Workbook, name: str) -> None:
        stamp = datetime(2026, 3, 31, 12, 0, 0)
        book.properties.created = book.properties.modified = stamp
        book.properties.creator = "journeymap tests"
        book.save(HERE / name)

    # Microsoft Forms, "Open in Excel" (Norwegian): ID, start and completion time as date
    # cells, e-mail, name, last modified; then one column per question, titled by it; the
    # recommend question (Forms' Net Promoter question) as numbers, choices as their text.
    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(["ID", "Starttidspunkt", "Fullføringstidspunkt", "E-post", "Navn",
                  "Tidspunkt for siste endring", NPS_Q["nb"], DELIVERY_Q["nb"], INSTALL_Q["nb"],
                  COMMENT_Q["nb"], COMPANY_Q["nb"]])
    for i, r in enumerate(rows):
        y, m, d = (int(x) for x in str(r["date"]).split("-"))
        comment = COMMENTS["nb"][int(r["comment"])]  # type: ignore[call-overload]
        sheet.append([i + 1, datetime(y, m, d, 9, 12, 3), datetime(y, m, d, 9, 15, 41),
                      "anonymous", None, None, int(r["nps"]),  # type: ignore[call-overload]
                      sat_text(r["delivery"], "nb"), sat_text(r["installation"], "nb"),
                      comment or None, str(r["company"])])
    for cell in sheet["B"][1:] + sheet["C"][1:]:
        cell.number_format = "m/d/yy h:mm:ss"
    save(book, "msforms_nb.xlsx")

    # SurveyMonkey, "All responses data" as XLS (Norwegian): the two header rows of its
    # CSV (questions over "Svar" / "Åpent svar"), the recommend question as numbers.
    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet"
    sheet.append(["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
                  "Email Address", "First Name", "Last Name", "Custom Data 1", NPS_Q["nb"],
                  DELIVERY_Q["nb"], INSTALL_Q["nb"], COMMENT_Q["nb"], COMPANY_Q["nb"]])
    sheet.append([None] * 9 + ["Svar", "Svar", "Svar", "Åpent svar", "Åpent svar"])
    for i, r in enumerate(rows):
        y, m, d = (int(x) for x in str(r["date"]).split("-"))
        comment = COMMENTS["nb"][int(r["comment"])]  # type: ignore[call-overload]
        sheet.append([114000000000 + i, 431234567, datetime(y, m, d, 9, 12, 3),
                      datetime(y, m, d, 9, 15, 41), "192.0.2.10", None, None, None, None,
                      int(r["nps"]), sat_text(r["delivery"], "nb"),  # type: ignore[call-overload]
                      sat_text(r["installation"], "nb"), comment or None, str(r["company"])])
    save(book, "surveymonkey_nb.xlsx")


if __name__ == "__main__":
    main()
