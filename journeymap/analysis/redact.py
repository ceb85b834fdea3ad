"""Remove e-mail addresses, phone numbers and names from a customer comment before an
employee reads it (docs/map-format.md, "Customer comments").

What is removed shows as ``[…]``.  The rules are patterns, not understanding:

* e-mail addresses, also with subdomains (``anna.berg@kok.malmo.se``) and written
  ``anna[at]kok.se``;
* phone numbers and other runs of 7–15 digits (``+46 70-123 45 67``, ``070 123 45 67``,
  ``0046701234567``, ``(08) 123 456 78``, ``+358 40 123 4567``, ``+45 12 34 56 78``,
  personal identity numbers such as ``800101-1234``, also order numbers); dates
  (``2026-03-01``, ``3.12.2025``), times (``10.30-12.00``) and amounts followed by a
  currency (``1 250 000 kr``) are kept;
* names after a cue: a greeting or thanks (``Hej Anna``, ``Thanks Erik``, ``Kiitos
  Jukka``), "my name is" in five languages (``jag heter``, ``mit navn er``, ``minun
  nimeni on`` …), a role word (``montören Johan``, ``the installer, Mike``), a
  sign-off (``Mvh Per``, ``Best regards, Jane Doe``, ``Terveisin Liisa`` — the rest of the
  comment after it goes too) and a signature at the end (``/Anna``, ``- Anna B.``);
  a name is one to three capitalised words;
* the names of the map's ``staff`` list, anywhere, with a possessive ``s``.

A name without a cue ("Peter came on time"), a name in lower case, addresses, short
customer numbers, company names and descriptions of a person are **not** caught.

Examples
--------
>>> redact("Tack Anna! Ring mig på 070-123 45 67 eller mejla per@kok.se")
'Tack […]! Ring mig på […] eller mejla […]'
>>> redact("Montören Johan var toppen, levererat 2026-03-01.")
'Montören […] var toppen, levererat 2026-03-01.'
>>> redact("Erik was great", staff=("Erik Lund",))
'[…] was great'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["REMOVED", "redact"]

#: What a removed e-mail address, phone number or name is replaced by.
REMOVED = "[…]"

_UPPER = "A-ZÀ-ÖØ-ÞŠŽ"
#: One to three capitalised words (a first name, a full name, "Anna B.").
_WORD = rf"[{_UPPER}][\w'’-]*"
_NAME = rf"{_WORD}(?:[ \t]+(?:[{_UPPER}]\.|{_WORD})){{0,2}}"

_EMAIL = re.compile(
    r"[\w.!#$%&'*+/=?^`{|}~-]+(?:@|\s?[\[(](?:at|a|snabel-a)[\])]\s?)"
    r"(?:[\w-]+\.)+[\w-]{2,}", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\w+])(?:\+|\b00)?\(?\d[\d \t().\-/–]{4,}\d(?!\w)")
_DATE = re.compile(r"\d{1,4}[-./]\d{1,2}[-./]\d{1,4}")
_TIMES = re.compile(r"\d{1,2}[.:]\d{2}\s?[-–]\s?\d{1,2}[.:]\d{2}")  # opening hours 10.30-12.00
_MONEY = re.compile(r"\s?(?:kr|kronor|kroner|sek|nok|dkk|eur|euro|€|:-)(?!\w)", re.IGNORECASE)

_GREETINGS = (
    # en
    "hi", "hello", "hey", "dear", "thanks", "thank you", "thanks to", "thank you to",
    "cheers", "kudos to", "shout out to",
    # sv
    "hej", "hejsan", "hallå", "tack", "tack till", "tack vare", "stort tack till", "kära",
    # da / nb
    "kære", "tak", "tak til", "mange tak til", "takk", "takk til", "tusen takk til", "kjære",
    # fi
    "hei", "moi", "terve", "kiitos", "iso kiitos", "hyvä",
)
_INTRODUCTIONS = (
    "my name is", "name:", "i am", "i'm", "this is",
    "jag heter", "mitt namn är", "namn:", "jeg hedder", "mit navn er", "jeg heter",
    "mitt navn er", "navn:", "nimeni on", "minun nimeni on", "nimi:", "olen",
)
_ROLES = (
    "installer", "the installer", "fitter", "technician", "engineer", "driver", "sales rep",
    "salesman", "saleswoman", "rep", "contact person", "account manager", "support agent",
    "installatören", "installatör", "montören", "montör", "teknikern", "tekniker",
    "chauffören", "chaufför", "säljaren", "säljare", "kontaktpersonen", "kontaktperson",
    "montøren", "montør", "teknikeren", "chaufføren", "sjåføren", "sjåfør", "sælgeren",
    "sælger", "selgeren", "selger", "asentaja", "teknikko", "kuljettaja", "myyjä",
    "yhteyshenkilö",
)
_SIGN_OFFS = (
    "best regards", "kind regards", "regards", "best wishes", "yours sincerely", "br",
    "med vänlig hälsning", "med vänliga hälsningar", "vänliga hälsningar", "vänlig hälsning",
    "hälsningar", "hälsning", "mvh", "vh",
    "med venlig hilsen", "venlig hilsen", "med vennlig hilsen", "vennlig hilsen", "hilsen",
    "ystävällisin terveisin", "terveisin", "t.",
)


def _alternatives(words: Iterable[str]) -> str:
    ordered = sorted(set(words), key=len, reverse=True)  # the longest cue first
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


_AFTER_CUE = re.compile(
    rf"(?<!\w)(?P<cue>(?i:{_alternatives(_GREETINGS + _INTRODUCTIONS + _ROLES)}))"
    rf"(?P<sep>[ \t]*,?[ \t]+|[ \t]*:[ \t]*|[ \t]*,[ \t]*)(?P<name>{_NAME})(?!\w)")
_SIGNATURE = re.compile(
    rf"(?<!\w)(?P<cue>(?i:{_alternatives(_SIGN_OFFS)}))(?P<sep>[ \t]*[,:!]?[ \t]*\n?[ \t]*)"
    rf"(?P<rest>[{_UPPER}].*)\Z", re.DOTALL)
_SLASH = re.compile(rf"(?:(?<=\s)|^)(?P<cue>[/–-][ \t]?)(?P<name>{_NAME})[ \t]*\Z")
_REPEATED = re.compile(rf"{re.escape(REMOVED)}(?:[ \t]+{re.escape(REMOVED)})+")


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(c.isdigit() for c in text)
    if (not 7 <= digits <= 15 or _DATE.fullmatch(text.strip(" ().")) or _TIMES.fullmatch(text)
            or _MONEY.match(match.string, match.end())):
        return text
    return REMOVED


def _staff_pattern(staff: Iterable[str]) -> re.Pattern[str] | None:
    names: set[str] = set()
    for name in staff:
        name = name.strip()
        if name:
            names.add(name)
            names.update(part for part in name.split() if len(part) >= 2)
    if not names:
        return None
    return re.compile(rf"(?<!\w)(?:{_alternatives(names)})(?:s|'s|’s|:s)?(?!\w)",
                      re.IGNORECASE)


def redact(text: str, staff: Iterable[str] = ()) -> str:
    """``text`` with e-mail addresses, phone numbers and recognisable names replaced by
    :data:`REMOVED` (see the module's rules and what they cannot catch).

    Parameters
    ----------
    text
        One customer comment.
    staff
        Names to remove wherever they appear (the map's ``comments: {staff: […]}``); a
        full name also removes each of its words (``Anna Berg``: ``Anna``, ``Berg``),
        in any case, with a possessive ``s``.

    Returns
    -------
    str
    """
    out = _EMAIL.sub(REMOVED, text)
    out = _PHONE.sub(_phone, out)
    pattern = _staff_pattern(staff)
    if pattern is not None:
        out = pattern.sub(REMOVED, out)
    out = _SIGNATURE.sub(lambda m: f"{m['cue']}{m['sep']}{REMOVED}", out)
    out = _AFTER_CUE.sub(lambda m: f"{m['cue']}{m['sep']}{REMOVED}", out)
    out = _SLASH.sub(lambda m: f"{m['cue']}{REMOVED}", out)
    return _REPEATED.sub(REMOVED, out)
