"""Languages of the HTML pages: which one a request asks for, which label to show, and UI text.

The pages speak Finnish, Swedish and English. Data labels fall back in one fixed order
(the chosen language, then Finnish, English, Swedish, then any other), and a label shown in a
language other than the page's says so. The page text lives in `templates/messages.toml`, one
table per message, and the labels of other vocabularies' terms (rdf:type, skos:note…) in
`templates/terms.toml`; loading refuses an entry that lacks a language, so none can go missing.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from ic16graph.negotiation import weighted_values

LANGUAGES = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "fi"
FALLBACK_ORDER = ("fi", "en", "sv")


@dataclass(frozen=True)
class Label:
    """A label to show: its text, its language tag, and whether it is a fallback."""

    text: str
    lang: str
    fallback: bool


def choose_language(requested: str | None, accept_language: str | None) -> str:
    """`requested` (`?lang=`) if we speak it, else the best of Accept-Language, else Finnish."""
    if requested and requested.strip().lower() in LANGUAGES:
        return requested.strip().lower()
    ranked = [
        (-quality, position, tag.split("-")[0])
        for position, (tag, quality) in enumerate(weighted_values(accept_language or ""))
        if quality > 0 and tag.split("-")[0] in LANGUAGES
    ]
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def pick_label(labels: Mapping[str, str], lang: str) -> Label | None:
    """The label to show in a `lang` page: `lang`, then fi → en → sv → any; None if none."""
    for candidate in (lang, *FALLBACK_ORDER):
        if labels.get(candidate):
            return Label(labels[candidate], candidate, candidate != lang)
    for candidate in sorted(labels):
        if labels[candidate]:
            return Label(labels[candidate], candidate or "und", True)
    return None


def sort_key(text: str) -> str:
    """Alphabetical order as Finnish and Swedish readers expect it: …, z, å, ä, ö."""
    return text.casefold().translate(_NORDIC_ORDER)


_NORDIC_ORDER = str.maketrans({"å": "{", "ä": "|", "ö": "}", "æ": "|", "ø": "}"})


@cache
def messages(lang: str) -> dict[str, str]:
    """The page text in `lang` (one of LANGUAGES), by message key."""
    return {key: texts[lang] for key, texts in _catalogue("messages.toml").items()}


def term_labels(iri: str) -> Mapping[str, str]:
    """Labels (lang → label) of a well-known term of another vocabulary; empty if not known."""
    return _catalogue("terms.toml").get(iri, {})


@cache
def _catalogue(name: str) -> dict[str, dict[str, str]]:
    text = (files("ic16graph") / "templates" / name).read_text(encoding="utf-8")
    catalogue = tomllib.loads(text)
    for key, texts in catalogue.items():
        missing = [lang for lang in LANGUAGES if not texts.get(lang)]
        if missing:
            raise ValueError(f"{name}: [{key}] has no text in {', '.join(missing)}")
    return catalogue
