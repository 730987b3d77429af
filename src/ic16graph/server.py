"""`ic16graph serve`: build (or reuse a current artefact), refuse invalid data, then serve HTTP.

Data that violates the shapes is never served: the report is printed and the command exits with
the "findings" code. A build artefact that is current (same inputs, same base IRI) and valid is
served as it is, so a restart after `ic16graph build` does not reason and validate again.
With `--watch` the service goes on to rebuild on every change of the sources and serves each
good build in place of the last, without a pause or a lost request (`reload`).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ic16graph.artefact import attach_store, write_prebuilt
from ic16graph.build import build
from ic16graph.config import Settings
from ic16graph.manifest import Artefact, artefact_is_current
from ic16graph.reports import render
from ic16graph.workers import start_forkserver

if TYPE_CHECKING:
    from ic16graph.service_description import DatasetDescription


def configure(command: argparse.ArgumentParser) -> None:
    """Give the `serve` sub-command its options (the CLI maps the outcome to an exit code)."""
    command.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)"
    )
    command.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    command.add_argument(
        "--workers",
        type=int,
        default=None,
        help="query worker processes (default: IC16_WORKERS or 2)",
    )
    command.add_argument(
        "--store",
        default=None,
        metavar="DIR|URL",
        help="serve from an on-disk store under DIR (made from the build once, then opened "
        "read-only), or from a remote endpoint sparql+http://…/query loaded with `push` "
        "(default: IC16_STORE, else the build loaded into memory)",
    )
    command.add_argument(
        "--dataset",
        type=Path,
        default=None,
        metavar="FILE.nq",
        help="serve this N-Quads file as it is, skipping the build: no reasoning, no "
        "validation (for benchmarks)",
    )
    command.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="S",
        help="time limit of one query in seconds (default: IC16_TIMEOUT or 10)",
    )
    command.add_argument(
        "--watch",
        action="store_true",
        help="rebuild when a file in ontology/, data/ or shapes/ changes, and serve each good "
        "build in place of the last; a bad one is reported by /health and replaces nothing",
    )


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8000,
    prebuilt: Path | None = None,
    watch: bool = False,
) -> bool:
    """Serve until interrupted; False (nothing served) when the data violates the shapes.

    `prebuilt` (an N-Quads file) is served as it is, skipping the build: no reasoning, no
    validation; for benchmarks and datasets built elsewhere. `settings.store` moves the graph
    into an on-disk store (made once) or names a remote endpoint the build was pushed to.
    """
    start_forkserver()
    # The web stack is imported here, not above: the CLI parses its arguments without it, and
    # each query worker re-imports the command's module (multiprocessing) and needs none of it.
    from ic16graph import service
    from ic16graph.reload import snapshot

    if prebuilt is not None:
        with tempfile.TemporaryDirectory(prefix="ic16graph-") as build_dir:
            settings = replace(settings, build_dir=Path(build_dir))
            write_prebuilt(prebuilt, settings.build_dir, settings.base_iri)
            attach_store(settings.build_dir, settings.store)
            print(f"Serving {prebuilt} as it is: no reasoning, no validation")
            service.run(settings, settings.build_dir, host, port)
        return True
    sources = snapshot(settings) if watch else None  # what this build is made of
    dataset: DatasetDescription
    current = Artefact.read(settings.build_dir) if artefact_is_current(settings) else None
    if current is not None and current.conforms:
        dataset = current
        print(f"Serving the current build {dataset.version} from {settings.build_dir}")
    else:
        built = build(settings)
        sys.stdout.write(built.summary())
        if not built.report.conforms():
            sys.stderr.write(render(built.report, "text"))
            sys.stderr.write("Refusing to serve: the data violates the shapes (report above).\n")
            return False
        built.write(settings.build_dir)
        dataset = built
    attach_store(settings.build_dir, settings.store)
    service.run(settings, settings.build_dir, host, port, sources)
    return True
