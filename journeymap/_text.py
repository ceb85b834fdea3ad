"""Control characters in user text: find them, name them, and never print them raw.

A map or a survey export may carry terminal escape sequences (``ESC [ 31 m``), NUL
bytes, C1 controls or lone UTF-16 surrogates.  Printed as they are, they recolour or
rewrite the user's terminal, break graphviz's XML and cannot be encoded as UTF-8.
The library refuses them in maps (see docs/security.md, "Map files") and shows them
as ``\\x1b``-style escapes in every error message.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "FIELD_CONTROL",
    "FILE_CONTROL",
    "TEXT_CONTROL",
    "describe",
    "first_control",
    "visible",
]

# C0 and C1 controls, DEL, the Unicode line and paragraph separators (which YAML counts
# as line breaks, so line numbers would differ from the editor's) and lone surrogates.
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff"
#: What a map file may not contain anywhere (tab, line feed and carriage return are fine).
FILE_CONTROL = re.compile(f"[{_CONTROLS}]")
#: What an id, label, column, stage or name may not contain (no tab or line break either).
FIELD_CONTROL = re.compile(f"[{_CONTROLS}\t\n\r]")
#: What a description may not contain (it may span lines and hold tabs).
TEXT_CONTROL = re.compile(f"[{_CONTROLS}\r]")
# What error messages never show raw (line feeds separate the problems of one error).
_SHOWN_ESCAPED = re.compile(f"[{_CONTROLS}\t\r]")


def describe(ch: str) -> str:
    """``U+001B (ESCAPE)``: a character named without printing it."""
    code = ord(ch)
    name = unicodedata.name(ch, "")
    if not name:
        name = {0x1b: "ESCAPE", 0x00: "NUL", 0x7f: "DELETE", 0x0d: "CARRIAGE RETURN",
                0x09: "TAB", 0x0a: "LINE FEED"}.get(code, "")
    if not name:
        name = "a lone surrogate" if 0xD800 <= code <= 0xDFFF else "a control character"
    return f"U+{code:04X} ({name})"


def first_control(text: str, pattern: re.Pattern[str] = FIELD_CONTROL) -> str | None:
    """The first character of ``text`` that ``pattern`` refuses, or ``None``."""
    found = pattern.search(text)
    return found.group() if found else None


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control character written as an escape (``\\x1b``)."""
    return _SHOWN_ESCAPED.sub(_escape, text)
