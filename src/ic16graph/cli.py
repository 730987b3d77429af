"""`ic16graph validate | query | build | serve | push`: a thin face over the build and the engine.

Exit codes, one table (`ExitCode`): 0 the data conforms · 1 results at or above `--fail-on` ·
2 unusable input. Every error the project raises for bad input is turned into one line on stderr
in `main`, the one place that catches them; a traceback means a bug, never bad input.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from enum import IntEnum
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode

from ic16graph import server
from ic16graph.artefact import write_store
from ic16graph.build import Build, build
from ic16graph.config import Settings, SettingsError
from ic16graph.engine import (
    OxigraphEngine,
    QueryEngine,
    QueryNotAllowed,
    QueryResult,
    QuerySyntaxError,
    UnsupportedMediaType,
    open_engine,
)
from ic16graph.loading import LoadError, TurtleSyntaxError
from ic16graph.manifest import artefact_is_current
from ic16graph.queries import NamedQueryError
from ic16graph.remote import RemoteStoreError, push
from ic16graph.reports import FORMATS, github_syntax_error, render
from ic16graph.validation import ShapesError
from ic16graph.vocabulary import curie


class ExitCode(IntEnum):
    CONFORMS = 0
    FINDINGS = 1  # results at or above --fail-on
    UNUSABLE_INPUT = 2  # bad Turtle, broken shapes, bad query, unreadable or unwritable files


UNUSABLE_INPUT_ERRORS = (LoadError, ShapesError, QuerySyntaxError, QueryNotAllowed,
                         UnsupportedMediaType, SettingsError, OSError, RemoteStoreError)

QUERY_FORMATS = {  # --format → media type; "table" is rendered here
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "ntriples": "application/n-triples",
}


def _conformance(built: Build, fail_on: str = "violation") -> ExitCode:
    return ExitCode.CONFORMS if built.report.conforms(fail_on) else ExitCode.FINDINGS


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(root=getattr(args, "root", None),
                             base_iri=getattr(args, "base_iri", None))


def run_validate(args: argparse.Namespace) -> ExitCode:
    built = build(_settings(args), inference=not args.no_inference,
                  data_paths=args.paths or None)
    output = render(built.report, args.format, args.fail_on)
    if args.output:
        args.output.write_text(output, encoding="utf-8")
    else:
        sys.stdout.write(output)
    return _conformance(built, args.fail_on)


def run_query(args: argparse.Namespace) -> ExitCode:
    sparql = sys.stdin.read() if args.query == "-" else Path(args.query).read_text("utf-8")
    settings = _settings(args)
    engine: QueryEngine
    if artefact_is_current(settings):  # `ic16graph build` already did the work
        engine = open_engine(settings.build_dir)
    else:
        engine = OxigraphEngine.from_build(build(settings))
    try:
        result = engine.query(sparql, inference=not args.no_inference)
        if args.format == "table":
            sys.stdout.write(table(result))
        else:
            sys.stdout.buffer.write(result.serialize(QUERY_FORMATS[args.format]))
    except QuerySyntaxError as error:
        where = "<stdin>" if args.query == "-" else args.query
        position = "" if error.line is None else f"{error.line}:{error.column}:"
        raise QuerySyntaxError(f"{where}:{position} {error.message}", None, None) from None
    sys.stdout.flush()
    return ExitCode.CONFORMS


def table(result: QueryResult) -> str:
    """Aligned text columns with short names; an ASK answer is `true` or `false`."""
    if result.kind == "ask":
        return f"{'true' if result else 'false'}\n"
    if result.kind == "select":
        header = result.variables
        rows = [[_cell(solution[v], result.prefixes) for v in header] for solution in result]
    else:
        header = ["subject", "predicate", "object"]
        rows = [[_cell(t, result.prefixes) for t in triple] for triple in result]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    lines = [header, ["-" * w for w in widths], *rows]
    text = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
            for line in lines]
    plural = "row" if len(rows) == 1 else "rows"
    return "\n".join([*text, f"({len(rows)} {plural})"]) + "\n"


def _cell(term: object, prefixes: dict[str, str]) -> str:
    if isinstance(term, NamedNode):
        return curie(term.value, prefixes)
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, Literal):
        return f"{term.value}@{term.language}" if term.language else term.value
    return "" if term is None else str(term)


def run_build(args: argparse.Namespace) -> ExitCode:
    settings = _settings(args)
    built = build(settings)
    build_dir = args.output or settings.build_dir
    built.write(build_dir)
    sys.stdout.write(built.summary() + f"written to {build_dir}\n")
    if args.store:
        started = time.perf_counter()
        store = write_store(build_dir, args.store)
        sys.stdout.write(f"on-disk store {store} ({time.perf_counter() - started:.2f}s)\n")
    return _conformance(built)


def run_push(args: argparse.Namespace) -> ExitCode:
    """Load the current build (built first if stale) into a remote store, graph by graph."""
    settings = _settings(args)
    if not artefact_is_current(settings):
        built = build(settings)
        sys.stdout.write(built.summary())
        if not built.report.conforms():
            sys.stderr.write(render(built.report, "text"))
            sys.stderr.write("Refusing to push: the data violates the shapes (report above).\n")
            return ExitCode.FINDINGS
        built.write(settings.build_dir)
    graphs = push(settings.build_dir, args.endpoint)
    sys.stdout.write(f"pushed {len(graphs)} graphs to {args.endpoint}\n")
    return ExitCode.CONFORMS


def run_serve(args: argparse.Namespace) -> ExitCode:
    settings = Settings.from_env(root=getattr(args, "root", None),
                                 base_iri=getattr(args, "base_iri", None),
                                 query_timeout=args.timeout, workers=args.workers,
                                 store=args.store)
    served = server.serve(settings, host=args.host, port=args.port, prebuilt=args.dataset,
                          watch=args.watch)
    return ExitCode.CONFORMS if served else ExitCode.FINDINGS

def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", type=Path, default=argparse.SUPPRESS,
                        help="project root holding ontology/ data/ shapes/ (default: .)")
    common.add_argument("--base-iri", default=argparse.SUPPRESS,
                        help="base of data IRIs (default: https://w3id.org/ic16/)")
    main_parser = argparse.ArgumentParser(
        prog="ic16graph", parents=[common],
        description="The open knowledge graph of Finland's Innovative Cities programme (IC16).")
    commands = main_parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", parents=[common], help="validate the data")
    validate.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                          help="data files or folders instead of data/")
    validate.add_argument("--format", choices=FORMATS, default="text")
    validate.add_argument("--fail-on", choices=["violation", "warning"], default="violation")
    validate.add_argument("--no-inference", action="store_true",
                          help="validate the asserted triples only")
    validate.add_argument("--output", type=Path, help="write the report to FILE")
    validate.set_defaults(run=run_validate)

    query = commands.add_parser("query", parents=[common], help="run a SPARQL query")
    query.add_argument("query", metavar="FILE.rq", help="query file, or - for stdin")
    query.add_argument("--format", choices=["table", *QUERY_FORMATS], default="table")
    query.add_argument("--no-inference", action="store_true",
                       help="query the asserted triples only")
    query.set_defaults(run=run_query)

    build_command = commands.add_parser("build", parents=[common], help="build the dataset")
    build_command.add_argument("--output", type=Path, metavar="DIR",
                               help="build directory (default: ROOT/build)")
    build_command.add_argument("--store", type=Path, metavar="DIR",
                               help="also load the build into an on-disk store under DIR, "
                                    "which `serve --store DIR` opens without parsing")
    build_command.set_defaults(run=run_build)

    push_command = commands.add_parser(
        "push", parents=[common],
        help="load the build into a remote store (SPARQL 1.1 Graph Store Protocol)")
    push_command.add_argument("endpoint", metavar="URL",
                              help="graph store endpoint, e.g. http://localhost:7878/store")
    push_command.set_defaults(run=run_push)

    serve = commands.add_parser("serve", parents=[common], help="serve the graph over HTTP")
    server.configure(serve)
    serve.set_defaults(run=run_serve)
    return main_parser


def _annotation(error: Exception) -> str:
    """A syntax error in a source file as a GitHub annotation; nothing for other errors."""
    if isinstance(error, TurtleSyntaxError):
        return github_syntax_error(error.path, error.line, error.column, error.message)
    if isinstance(error, NamedQueryError) and error.line is not None:
        return github_syntax_error(error.path, error.line, error.column or 1, error.message,
                                   "SPARQL syntax error")
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `ic16graph` command."""
    args = parser().parse_args(argv)
    logging.getLogger("rdflib").setLevel(logging.ERROR)  # its parser warnings repeat our errors
    try:
        return int(args.run(args))
    except UNUSABLE_INPUT_ERRORS as error:
        print(str(error), file=sys.stderr)
        if getattr(args, "format", None) == "github":
            sys.stdout.write(_annotation(error))
        return int(ExitCode.UNUSABLE_INPUT)


if __name__ == "__main__":
    sys.exit(main())
