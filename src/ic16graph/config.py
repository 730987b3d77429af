"""Settings: where the sources live, which base IRI to publish under, and the service limits.

One frozen object is passed down the pipeline so that no module reads the environment itself;
`Settings.from_env` is the single place that does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

from ic16graph.vocabulary import DEFAULT_BASE_IRI


def _iri_list(text: str) -> tuple[str, ...]:
    """`IC16_SERVICE_ALLOWLIST="https://a/sparql https://b/sparql"` (spaces or commas)."""
    return tuple(text.replace(",", " ").split())


# Environment variable → (field, converter): one table, every setting overridable the same way.
_ENVIRONMENT: dict[str, tuple[str, Callable[[str], object]]] = {
    "IC16_ROOT": ("root", Path),
    "IC16_BASE_IRI": ("base_iri", str),
    "IC16_BUILD_DIR": ("build_dir", Path),
    "IC16_TIMEOUT": ("query_timeout", float),
    "IC16_MAX_QUERY_LENGTH": ("max_query_length", int),
    "IC16_MAX_RESULT_ROWS": ("max_result_rows", int),
    "IC16_WORKERS": ("workers", int),
    "IC16_QUERY_MEMORY_MB": ("query_memory_mb", int),
    "IC16_SERVICE_ALLOWLIST": ("service_allowlist", _iri_list),
    "IC16_STORE": ("store", str),
    "IC16_CACHE_MB": ("cache_mb", int),
}


class SettingsError(ValueError):
    """A setting that cannot work (e.g. a base IRI without a trailing slash)."""


@dataclass(frozen=True)
class Settings:
    """Paths, base IRI and limits shared by the CLI, the build and the service."""

    root: Path = field(default_factory=Path.cwd)
    base_iri: str = DEFAULT_BASE_IRI
    build_dir: Path | None = None  # None means <root>/build
    query_timeout: float = 10.0
    max_query_length: int = 100_000
    max_result_rows: int = 10_000
    workers: int = 2
    query_memory_mb: int = 1024  # what one query may allocate in its worker, beyond the data
    service_allowlist: tuple[str, ...] = ()  # SPARQL endpoints a SERVICE clause may call
    # Where the workers find the graph: None = dataset.nq loaded into memory; a directory = an
    # on-disk pyoxigraph store made from the build; sparql+http(s)://… = a remote endpoint.
    store: str | None = None
    cache_mb: int = 64  # the result cache in front of the workers; 0 turns it off

    def __post_init__(self) -> None:
        root = Path(self.root).resolve()
        object.__setattr__(self, "root", root)
        if not self.base_iri.endswith("/"):
            raise SettingsError(f"the base IRI must end with '/': {self.base_iri}")
        build_dir = root / "build" if self.build_dir is None else Path(self.build_dir).resolve()
        object.__setattr__(self, "build_dir", build_dir)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Defaults, then IC16_* environment variables, then explicit overrides (not None)."""
        values: dict[str, object] = {}
        for variable, (name, convert) in _ENVIRONMENT.items():
            if variable in os.environ:
                try:
                    values[name] = convert(os.environ[variable])
                except ValueError as error:
                    raise SettingsError(f"{variable}: {error}") from None
        values.update({name: value for name, value in overrides.items() if value is not None})
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        return cls(**values)  # type: ignore[arg-type]

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"
