"""Load the Turtle sources into one named graph per file and remember where every triple stands.

rdflib's Turtle parser reports no positions, yet a curator needs `FILE:LINE` for every finding.
`_PositionParser` is rdflib's own N3/Turtle `SinkParser` with two hooks: `statement` notes the
line of each top-level subject, `makeStatement` notes the line of each triple. Data IRIs are
moved onto the configured base while parsing, so the index and the graphs agree.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax, RDFSink, SinkParser
from rdflib.term import Node

from ic16graph.config import Settings
from ic16graph.vocabulary import graph_iri, rebase

Triple = tuple[Node, Node, Node]
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|\\^`]')  # characters Turtle's IRIREF excludes
Location = tuple[str, int]  # (file relative to the root, 1-based line)


class LoadError(Exception):
    """Input that cannot be loaded at all (missing path, two files for one graph)."""


class TurtleSyntaxError(LoadError):
    """A Turtle file that does not parse; `str()` is `FILE:LINE:COLUMN: message`."""

    def __init__(self, path: str, line: int, column: int, message: str) -> None:
        super().__init__(f"{path}:{line}:{column}: {message}")
        self.path, self.line, self.column, self.message = path, line, column, message


class _InvalidIRI(Exception):
    def __init__(self, iri: str, line: int) -> None:
        super().__init__(iri)
        self.iri, self.line = iri, line


@dataclass(frozen=True)
class SourceFile:
    """One Turtle file and the named graph it becomes."""

    path: Path
    display: str  # relative to the root (or the working directory) for messages
    role: str
    iri: URIRef


@dataclass
class PositionIndex:
    """First `FILE:LINE` of each triple, (subject, predicate) pair, subject and object."""

    triples: dict[Triple, Location] = field(default_factory=dict)
    pairs: dict[tuple[Node, Node], Location] = field(default_factory=dict)
    subjects: dict[Node, Location] = field(default_factory=dict)
    objects: dict[Node, Location] = field(default_factory=dict)

    def add(self, triple: Triple, location: Location) -> None:
        s, p, o = triple
        self.triples.setdefault(triple, location)
        self.pairs.setdefault((s, p), location)
        self.subjects.setdefault(s, location)
        self.objects.setdefault(o, location)

    def locate(
        self, focus: Node, predicate: Node | None = None, value: Node | None = None
    ) -> Location | None:
        """The triple, else (focus, predicate), else focus as subject, else as object."""
        candidates = []
        if predicate is not None:
            if value is not None:
                candidates.append(self.triples.get((focus, predicate, value)))
            candidates.append(self.pairs.get((focus, predicate)))
        candidates += [self.subjects.get(focus), self.objects.get(focus)]
        return next((c for c in candidates if c is not None), None)


@dataclass
class Sources:
    """The parsed sources: one named graph per file in `dataset`, plus the position index."""

    files: tuple[SourceFile, ...]
    dataset: Dataset
    positions: PositionIndex

    def graphs(self, *roles: str) -> list[Graph]:
        return [self.dataset.graph(f.iri) for f in self.files if f.role in roles]


class _RebasingSink(RDFSink):
    """rdflib's sink, moving data IRIs onto the configured base as terms are made."""

    def __init__(self, graph: Graph, base_iri: str) -> None:
        super().__init__(graph)
        self.base_iri = base_iri

    def normalise(self, f: Any, n: Any) -> Any:
        term = super().normalise(f, n)
        return URIRef(rebase(term, self.base_iri)) if isinstance(term, URIRef) else term


class _PositionParser(SinkParser):
    """rdflib's Turtle parser that records the line of every subject and triple."""

    def __init__(self, sink: _RebasingSink, base: str, file: str, index: PositionIndex) -> None:
        super().__init__(sink, baseURI=base, turtle=True)
        self._file, self._index = file, index
        self._newlines: list[int] = []  # offsets of "\n" in the text, to turn offsets into lines
        self._object_lines: list[int] = []  # lines of the objects the next statements are about
        self._line = 1  # the line of the last subject or object read

    def feed(self, octets: Any) -> None:
        self._newlines = [m.start() for m in re.finditer("\n", octets)]
        super().feed(octets)

    def _line_at(self, offset: int) -> int:
        # rdflib's own `self.lines` counts some newlines twice (`object` skips space twice).
        self._line = bisect.bisect_left(self._newlines, offset) + 1
        return self._line

    def statement(self, argstr: str, i: int) -> int:
        line = self._line_at(i)  # `i` is on the subject's first character
        subject: list[Any] = []
        j = self.object(argstr, i, subject)
        if j < 0:
            return j
        node = self._store.normalise(None, subject[0])
        self._index.subjects.setdefault(node, (self._file, line))
        end = self.property_list(argstr, j, subject[0])
        if end < 0:
            self.BadSyntax(argstr, j, "expected propertylist")
        return end

    def objectList(self, argstr: str, i: int, res: Any) -> int:
        # rdflib's objectList, noting the line where each object ends: rdflib makes the
        # statements only after the whole list has been read.
        lines: list[int] = []
        i = self.object(argstr, i, res)
        while i >= 0:
            lines.append(self._line_at(i))
            j = self.skipSpace(argstr, i)
            if j < 0:
                self.BadSyntax(argstr, j, "EOF found after object")
            if argstr[j] != ",":
                self._object_lines = lines
                return j
            i = self.object(argstr, j + 1, res)
        return i

    def makeStatement(self, quadruple: Any) -> None:
        f, p, s, o = quadruple
        line = self._object_lines.pop(0) if self._object_lines else self._line
        triple = tuple(self._store.normalise(f, term) for term in (s, p, o))
        for term in triple:  # rdflib only logs a warning; every later step would choke
            if isinstance(term, URIRef) and _NOT_IN_IRI.search(term):
                raise _InvalidIRI(str(term), line)
        self._index.add(triple, (self._file, line))  # type: ignore[arg-type]
        super().makeStatement(quadruple)


def display_path(path: Path, root: Path) -> str:
    """A path as messages show it: relative to the root, else to the working directory."""
    for anchor in (root, Path.cwd()):
        try:
            return path.resolve().relative_to(anchor.resolve()).as_posix()
        except ValueError:
            continue
    return path.resolve().as_posix()


def source_files(settings: Settings, data_paths: Iterable[Path] | None = None) -> list[SourceFile]:
    """Every source file, sorted per role: ontology, data (or `data_paths`), shapes."""
    folders = {
        "ontology": [settings.ontology_dir],
        "data": [settings.data_dir] if data_paths is None else list(data_paths),
        "shapes": [settings.shapes_dir],
    }
    files: list[SourceFile] = []
    seen: dict[URIRef, Path] = {}
    for role, paths in folders.items():
        for path in _turtle_files(paths, required=role == "data" and data_paths is not None):
            iri = graph_iri(settings.base_iri, role, path.stem)
            if iri in seen:
                raise LoadError(f"{path} and {seen[iri]} would both be the graph <{iri}>")
            seen[iri] = path
            files.append(SourceFile(path, display_path(path, settings.root), role, iri))
    return files


def _turtle_files(paths: list[Path], *, required: bool) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(path.glob("*.ttl"))
        elif path.is_file():
            found.append(path)
        elif required:
            raise LoadError(f"{path}: no such file or directory")
    return found


def load(settings: Settings, data_paths: Iterable[Path] | None = None) -> Sources:
    """Parse all sources; raises `TurtleSyntaxError` at the first file that does not parse."""
    files = tuple(source_files(settings, data_paths))
    dataset = Dataset()
    index = PositionIndex()
    for source in files:
        parse_file(source, dataset.graph(source.iri), settings.base_iri, index)
    return Sources(files, dataset, index)


def parse_file(source: SourceFile, graph: Graph, base_iri: str, index: PositionIndex) -> None:
    """Parse one file into `graph`; `<>` in the file is the graph's own IRI."""
    try:
        text = source.path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise LoadError(f"{source.display}: cannot read: {error}") from error
    parser = _PositionParser(_RebasingSink(graph, base_iri), str(source.iri), source.display, index)
    try:
        parser.loadBuf(text)
    except BadSyntax as error:
        raise _syntax_error(source.display, error) from None
    except _InvalidIRI as error:
        column = text.splitlines()[error.line - 1].find(error.iri) + 1 or 1
        message = f"invalid IRI <{error.iri}>"
        raise TurtleSyntaxError(source.display, error.line, column, message) from None
    for prefix, namespace in parser._bindings.items():
        graph.bind(prefix, namespace)


def _syntax_error(display: str, error: BadSyntax) -> TurtleSyntaxError:
    """rdflib's multi-line BadSyntax as one `FILE:LINE:COLUMN: message`."""
    # `_i` counts characters of the text, `_str` is that text encoded: decode before slicing
    consumed = error._str.decode("utf-8", errors="replace")[: error._i]
    line = consumed.count("\n") + 1
    column = len(consumed) - (consumed.rfind("\n") + 1) + 1
    return TurtleSyntaxError(display, line, column, error._why)
