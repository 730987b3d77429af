"""Look at a SPARQL text before it is evaluated: its form (query or update) and SERVICE calls.

pyoxigraph evaluates `SERVICE` by sending the HTTP request itself and cannot be told not to, so
the refusal has to happen here, on the text. A regular expression over the raw text is not
enough: the keyword may sit in a string, an IRI, a comment or a prefixed name (not a call), and
oxigraph's parser accepts calls a word-boundary regex misses (`SERVICE:x{…}`, `trueSERVICE<…>{…}`,
`service:x {…}` with an empty prefix declared): its keywords need no word boundary.

The tokeniser below follows oxigraph's grammar for the tokens that hide text (strings, IRIs,
comments, variables). The one lexical ambiguity of SPARQL is `<`: an IRI or the less-than
operator (`FILTER(?a<?b&&'>')` is two comparisons, not an IRI). Rather than guess, both
readings are followed, like an NFA over text positions: a character is *code* if any reading
reaches it outside a string, IRI or comment. That is a superset of what oxigraph reads as code,
so a call cannot hide. Then every "service" in code followed by the shape of a call
(`SILENT`? then a variable, IRI or prefixed name, then `{`) counts as a call. Words that share
a scan (inside one long run of name characters, or before one distant `>`) share its result,
so the check stays linear in the length of the text, as the tokeniser does.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

QueryForm = Literal["select", "ask", "construct", "describe", "update"]

_BASE_CHARS = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
)
_VARNAME = rf"[{_BASE_CHARS}_0-9][{_BASE_CHARS}_0-9\u00b7\u0300-\u036f\u203f-\u2040]*"
_SPACE = r"(?:[ \t\r\n]|#[^\r\n]*)*"  # oxigraph's `_`: whitespace and comments
_IRI = r"<(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>"

_VARIABLE = re.compile(rf"[?$]{_VARNAME}")
_IRIREF = re.compile(_IRI)
_STRING = re.compile(
    r"'''(?:(?:''|')?(?:[^'\\]|\\.))*'''"
    r'|"""(?:(?:""|")?(?:[^"\\]|\\.))*"""'
    r"|'(?:[^'\\\r\n]|\\.)*'"
    r'|"(?:[^"\\\r\n]|\\.)*"',
    re.DOTALL,
)
_COMMENT = re.compile(r"#[^\r\n]*")
_SERVICE_WORD = re.compile("service", re.IGNORECASE)
# What may follow the keyword in a call, deliberately wider than the grammar: an IRI (`<` to the
# next `>`), a variable, or any prefixed name (a run of prefix characters, `:`, a local part).
_SPACES = re.compile(_SPACE)
_PREFIX = re.compile(r"[^\s{}#<>'\"?$:]*")
_LOCAL = re.compile(r":(?:\\.|[^\s{}#<>\\])*")
_OPENING = re.compile(rf"{_SPACE}\{{")
_FROM_WORD = re.compile("from", re.IGNORECASE)
_DATASET_TARGET = re.compile(rf"{_SPACE}(?:NAMED|<|[^\s{{}}#<>'\"?$:]*:)", re.IGNORECASE)
_PROLOGUE = re.compile(
    rf"{_SPACE}(?:BASE{_SPACE}{_IRI}|PREFIX{_SPACE}[^\s:]*:{_SPACE}{_IRI})", re.IGNORECASE
)
_FORM = re.compile(
    rf"{_SPACE}(?P<word>SELECT|CONSTRUCT|DESCRIBE|ASK"
    r"|INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)",
    re.IGNORECASE,
)
_WORK_PER_CHARACTER = 64  # bound on the tokeniser's work, against texts built to branch a lot


class UncheckableQuery(ValueError):
    """A text whose SERVICE calls could not be ruled out within the tokeniser's work bound."""


def query_form(sparql: str) -> QueryForm | None:
    """The query form after the prologue, "update" for an update operation, None if unclear."""
    position = 0
    while match := _PROLOGUE.match(sparql, position):
        position = match.end()
    match = _FORM.match(sparql, position)
    if match is None:
        return None
    word = match["word"].lower()
    return word if word in ("select", "ask", "construct", "describe") else "update"  # type: ignore[return-value]


def service_calls(sparql: str) -> list[str]:
    """The target (IRI, variable or prefixed name, as written) of every possible SERVICE call.

    A target may appear more than once when the call can be read in two ways; an empty list
    means the text makes no call. Raises `UncheckableQuery` on texts built to defeat the check.
    """
    if "service" not in sparql.lower():
        return []
    code = _code_mask(sparql)
    reader = _CallReader(sparql)
    targets = []
    for word in _SERVICE_WORD.finditer(sparql):
        if not all(code[word.start() : word.end()]):
            continue
        start = _SPACES.match(sparql, word.end()).end()  # type: ignore[union-attr]
        if sparql[start : start + 6].lower() == "silent":  # `SILENT`, or a name starting so
            silent = reader.target(_SPACES.match(sparql, start + 6).end())  # type: ignore[union-attr]
            targets += [silent] if silent else []
        target = reader.target(start)
        targets += [target] if target else []
    return targets


class _CallReader:
    """Reads the target of a call at a position, remembering the scans that later words share."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._prefix_run = (0, -1)  # [start, end]: the prefix characters from start end at end
        self._iri_run = (0, -1)  # [start, end]: no `>` from start before end (None: none at all)
        self._ends: dict[int, int | None] = {}  # where a local part after ":" ends, and so on
        self._opens: dict[int, bool] = {}  # position -> spaces and then `{` follow

    def target(self, start: int) -> str | None:
        """The target (as written) of a call whose target starts at `start`, or None."""
        text = self.text
        if text[start : start + 1] == "<":
            end = self._closing(start)
        elif text[start : start + 1] in ("?", "$"):
            variable = _VARIABLE.match(text, start)
            end = variable.end() if variable else None
        else:
            end = self._local_end(self._prefix_end(start))
        if end is None or not self._opening_follows(end):
            return None
        return text[start:end]

    def _closing(self, start: int) -> int | None:
        first, last = self._iri_run
        if not first <= start <= last:
            found = self.text.find(">", start)
            last = len(self.text) if found < 0 else found
            self._iri_run = (start, last)
        return last + 1 if last < len(self.text) else None

    def _prefix_end(self, start: int) -> int:
        first, last = self._prefix_run
        if not first <= start <= last:
            last = _PREFIX.match(self.text, start).end()  # type: ignore[union-attr]
            self._prefix_run = (start, last)
        return last

    def _local_end(self, colon: int) -> int | None:
        if colon not in self._ends:
            local = _LOCAL.match(self.text, colon)
            self._ends[colon] = local.end() if local else None
        return self._ends[colon]

    def _opening_follows(self, position: int) -> bool:
        if position not in self._opens:
            self._opens[position] = _OPENING.match(self.text, position) is not None
        return self._opens[position]


def has_dataset_clause(sparql: str) -> bool:
    """True when the query names its own dataset with `FROM` or `FROM NAMED`.

    The engine then leaves the dataset to the query instead of imposing its default union.
    The keyword must stand in code, after a word boundary oxigraph accepts (whitespace, `*`,
    `)`, `}`, `>`, or `ASK`/`CONSTRUCT` run together with it), and before an IRI, a prefixed
    name or `NAMED`. Raises `UncheckableQuery` like `service_calls`.
    """
    if "from" not in sparql.lower():
        return False
    code = _code_mask(sparql)
    for word in _FROM_WORD.finditer(sparql):
        before = sparql[max(0, word.start() - 9) : word.start()]
        boundary = (not before or before[-1] in " \t\r\n*)}>"
                    or before.lower().endswith(("ask", "construct")))
        if (boundary and all(code[word.start() : word.end()])
                and _DATASET_TARGET.match(sparql, word.end())):
            return True
    return False


@lru_cache(maxsize=2)  # `service_calls` and `has_dataset_clause` read the same query in turn
def _code_mask(text: str) -> bytes:
    """1 for every character that some reading of the text reaches as code."""
    code = bytearray(len(text))
    visited: set[int] = set()
    pending = [0]
    budget = _WORK_PER_CHARACTER * len(text) + 4096
    while pending:
        position = pending.pop()
        while position < len(text) and position not in visited:
            visited.add(position)
            character = text[position]
            token = None
            if character in "'\"":
                token = _STRING.match(text, position)
            elif character == "#":
                token = _COMMENT.match(text, position)
            elif character in "?$":
                token = _VARIABLE.match(text, position)
            elif character == "<":  # an IRI, or the operator: follow both readings
                iri = _IRIREF.match(text, position)
                if iri is not None:
                    pending.append(iri.end())
            elif character == "\\" and text[position + 1 : position + 2] in ("'", "#"):
                pending.append(position + 2)  # `\'` and `\#` inside a prefixed name's local part
            if token is not None:
                budget -= token.end() - position
                position = token.end()
            else:
                code[position] = character not in " \t\r\n"
                position += 1
            budget -= 1
            if budget < 0:
                raise UncheckableQuery("the query is too intricate to check for SERVICE calls")
    return bytes(code)
