"""The named example queries of `queries/*.rq`, with the title and description of their headers.

A query file starts with comment lines such as `# title: Ecosystem agreements` and
`# description: …`; the query text keeps them, so the editor shows what the query is for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_HEADER = re.compile(r"#\s*(?P<key>[A-Za-z][\w-]*)\s*:\s*(?P<value>.*?)\s*$")


@dataclass(frozen=True)
class NamedQuery:
    name: str  # the file stem, stable: used in links
    title: str
    description: str
    text: str


def load_named_queries(directory: Path) -> list[NamedQuery]:
    """Every `*.rq` file of `directory` (none if it does not exist), sorted by name."""
    if not directory.is_dir():
        return []
    return [_read(path) for path in sorted(directory.glob("*.rq"))]


def _read(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    headers: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if match := _HEADER.match(line):
            headers.setdefault(match["key"].lower(), match["value"])
    title = headers.get("title") or path.stem.replace("-", " ").capitalize()
    return NamedQuery(path.stem, title, headers.get("description", ""), text)
