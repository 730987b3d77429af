"""The named example queries of `queries/*.rq`, with the title and description of their headers.

A query file starts with comment lines such as `# title: Ecosystem agreements` and
`# description: …`; the query text keeps them, so the editor shows what the query is for.
Every build parses each one (`check_named_queries`): a broken example fails the build with its
FILE:LINE:COLUMN instead of failing a visitor who opens it in the editor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Store

from ic16graph.engine import OxigraphEngine, QuerySyntaxError
from ic16graph.loading import display_path

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


class NamedQueryError(QuerySyntaxError):
    """A named query that does not parse; `str()` is `FILE:LINE:COLUMN: message`."""

    def __init__(self, path: str, error: QuerySyntaxError) -> None:
        position = "" if error.line is None else f"{error.line}:{error.column}:"
        Exception.__init__(self, f"{path}:{position} {error.message}")
        self.path, self.message, self.line, self.column = (
            path, error.message, error.line, error.column)


def check_named_queries(directory: Path, root: Path) -> None:
    """Parse every named query of `directory` (on an empty store, so evaluating costs nothing);
    raise `NamedQueryError` for the first that does not parse."""
    engine = OxigraphEngine(Store(), graphs=())  # refuses SERVICE calls like the service's
    for query in load_named_queries(directory):
        try:
            engine.query(query.text)
        except QuerySyntaxError as error:
            shown = display_path(directory / f"{query.name}.rq", root)
            raise NamedQueryError(shown, error) from None
