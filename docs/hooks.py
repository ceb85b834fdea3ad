"""mkdocs hook: the docstrings' Sphinx roles become links in the API reference.

The docstrings write cross-references the Sphinx way (``:class:`~journeymap.model.JourneyMap```,
``:func:`fit```), which Markdown renders as the role's name followed by code.  This hook turns
each into a cross-reference that mkdocs-autorefs resolves to the object's entry.  A name without
its module (``:func:`fit```) is looked up from the object whose docstring holds it: in that
object's module, then in the packages above it.  A name that is not documented stays code.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

ROLE = re.compile(r":(?:class|func|meth|attr|data|mod|exc|obj):<code>(~?)([\w.]+)(\(\))?</code>")
OBJECT_ID = re.compile(r'id="(journeymap(?:\.\w+)*)"')


def _exists(path: str) -> bool:
    """Whether ``path`` (``package.module.Name.attr``) names something importable."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


def _candidates(name: str, context: str | None) -> list[str]:
    if name.startswith("journeymap") or context is None:
        return [name]
    parts = context.split(".")
    found = [f"{'.'.join(parts[:cut])}.{name}" for cut in range(len(parts), 0, -1)]
    return [c for c in found if _exists(c)] or [name]


def on_page_content(html: str, **kwargs: Any) -> str:
    out = []
    last = 0
    for match in ROLE.finditer(html):
        before = OBJECT_ID.findall(html, 0, match.start())
        short, target, call = match.group(1), match.group(2), match.group(3) or ""
        found = _candidates(target, before[-1] if before else None)
        title = target.rsplit(".", 1)[-1] if short else target
        slug = f' slug="{found[1]}"' if len(found) > 1 else ""
        out.append(html[last:match.start()])
        out.append(f'<autoref identifier="{found[0]}"{slug} optional>'
                   f"<code>{title}{call}</code></autoref>")
        last = match.end()
    out.append(html[last:])
    return "".join(out)
