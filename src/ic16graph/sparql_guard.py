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
(`SILENT`? then a variable, IRI or prefixed name, then `{`) counts as a call.
"""

from __future__ import annotations

import re
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
# What may follow the keyword in a call; deliberately wider than the grammar (any prefixed name).
_CALL_TARGET = rf"(?P<target><[^>]*>|[?$]{_VARNAME}|[^\s{{}}#<>'\"?$:]*:(?:\\.|[^\s{{}}#<>\\])*)"
_CALL_SHAPES = (
    re.compile(rf"{_SPACE}SILENT{_SPACE}{_CALL_TARGET}{_SPACE}\{{", re.IGNORECASE),
    re.compile(rf"{_SPACE}{_CALL_TARGET}{_SPACE}\{{", re.IGNORECASE),
)
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
    targets = []
    for word in _SERVICE_WORD.finditer(sparql):
        if not all(code[word.start() : word.end()]):
            continue
        for shape in _CALL_SHAPES:
            call = shape.match(sparql, word.end())
            if call is not None:
                targets.append(call["target"])
    return targets


def _code_mask(text: str) -> bytearray:
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
    return code
