"""bench/RESULTS.md from bench/results/*.json: tables, ratios to the peers, the targets checked.

Ratios are ours ÷ peer: below 1 is better for latency, start-up and memory, above 1 for
throughput. Geometric means run over the queries both systems answered identically; a query
whose answers differ is marked ≠ and left out of the means.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

ORDER = ["real", "10k", "100k", "1m", "10m"]
PEERS = ["oxigraph-disk", "oxigraph-memory", "rdflib-endpoint"]
# (what, peer, operator, bound): the targets of issue 5, checked on every dataset.
TARGETS = [
    ("median latency, geomean", "oxigraph-disk", "≤", 0.6),
    ("median latency, geomean", "oxigraph-memory", "≤", 1.25),
    ("median latency, worst query", "oxigraph-memory", "≤", 2.0),
    ("median latency, geomean", "rdflib-endpoint", "≤", 0.1),
    ("throughput at 8 clients, geomean", "oxigraph-disk", "≥", 0.8),
]


REASONING = (
    "Reasoning was 2.06 s of a 3.00 s build with owlrl over the whole union (quick run of "
    "2026-11-23); `reasoning.reason` now lets owlrl close the schema alone and applies the rules "
    "it entails to the data (owlrl over everything stays the fallback and the tests' reference, "
    "with identical results)."
)


def geomean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0 and math.isfinite(v)]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _comparable(result: dict, query: str, ours: str, peer: str) -> bool:
    answers = result["answers"].get(query, {})
    return answers.get(ours) == "same" and answers.get(peer) == "same"


def ratios(result: dict, ours: str, peer: str, metric: str) -> dict[str, float]:
    """Per query, ours ÷ peer for `metric` ("latency" medians or "throughput" rates)."""
    out = {}
    for query, systems in result[metric].items():
        a, b = systems.get(ours, {}), systems.get(peer, {})
        key = "median_ms" if metric == "latency" else "per_second"
        if key in a and key in b and b[key] and _comparable(result, query, ours, peer):
            out[query] = a[key] / b[key]
    return out


def target_rows(result: dict, ours: str) -> list[str]:
    rows = []
    for what, peer, op, bound in TARGETS:
        if peer not in result["systems"] or result["systems"][peer]["error"]:
            continue
        metric = "throughput" if what.startswith("throughput") else "latency"
        values = list(ratios(result, ours, peer, metric).values())
        value = max(values, default=None) if "worst" in what else geomean(values)
        met = value is not None and (value <= bound if op == "≤" else value >= bound)
        verdict = "met" if met else ("–" if value is None else f"missed by {value / bound:.2f}×"
                                     if op == "≤" else f"missed: {value / bound:.2f}× of it")
        rows.append(f"| {what} vs {peer} | {_fmt(value)} | {op} {bound:g} | {verdict} |")
    systems = result["systems"]
    startup = systems[ours]["startup_s"]
    bound = {"real": 1.0, "1m": 30.0}.get(result["dataset"])
    if bound is not None and startup is not None:
        rows.append(f"| start-up to first answer (s) | {startup:.2f} | < {bound:g} | "
                    f"{'met' if startup < bound else f'missed by {startup / bound:.2f}×'} |")
    memory = systems.get("oxigraph-memory", {}).get("peak_mb")
    if result["dataset"] in ("1m", "10m") and memory:
        ratio = systems[ours]["peak_mb"] / memory
        rows.append(f"| peak memory vs oxigraph-memory | {ratio:.2f} | ≤ 2 | "
                    f"{'met' if ratio <= 2 else f'missed by {ratio / 2:.2f}×'} |")
    return rows


def section(result: dict) -> list[str]:
    systems = [name for name, s in result["systems"].items() if not s["error"]]
    ours_variants = [name for name in systems if name.startswith("ours")]
    peers = [name for name in systems if name in PEERS]
    machine = result["machine"]
    lines = [
        f"## {result['dataset']}: {result['quads']:,} quads",
        "",
        f"{result['mode']} run, {result['started_at']}; load average before "
        f"{', '.join(f'{x:.2f}' for x in machine['load_before'])}, after "
        f"{', '.join(f'{x:.2f}' for x in machine['load_average'])}. Data: `{result['file']}`.",
        "",
    ]
    for ours in ours_variants:
        lines += [f"**Targets, {ours}**", "", "| target | value | bound | verdict |",
                  "|---|---|---|---|", *target_rows(result, ours), ""]
    lines += ["**Start-up and memory**", "",
              "| system | start-up to first answer (s) | peak memory (MB, PSS) | "
              "prepared before (s) |", "|---|---|---|---|"]
    for name, s in result["systems"].items():
        prepared = result["prepared_seconds"].get(name)
        lines.append(f"| {name} | {_fmt(s['startup_s'])} | {s['peak_mb']:.0f} | "
                     f"{_fmt(prepared, 1)} |" + (f" {s['error']}" if s["error"] else ""))
    for metric, unit in (("latency", "median ms (p95)"), ("throughput", "answers/s, 8 clients")):
        header = [*systems, *(f"{o} ÷ {p}" for o in ours_variants for p in peers)]
        lines += ["", f"**{metric.capitalize()}: {unit}**", "",
                  "| query | " + " | ".join(header) + " |", "|---" * (len(header) + 1) + "|"]
        all_ratios = {(o, p): ratios(result, o, p, metric) for o in ours_variants for p in peers}
        for query, measured in result[metric].items():
            cells = []
            for name in systems:
                m = measured.get(name, {})
                mark = "" if result["answers"][query].get(name) == "same" else " ≠"
                if "median_ms" in m:
                    cells.append(f"{m['median_ms']:.1f} ({m['p95_ms']:.1f}){mark}")
                elif "per_second" in m:
                    approx = "≈" if "skipped" in m else ""
                    cells.append(f"{approx}{m['per_second']:.0f}{mark}")
                else:
                    cells.append("error" if "error" in m else "–")
            cells += [_fmt(all_ratios[key].get(query)) for key in all_ratios]
            lines.append(f"| {query} | " + " | ".join(cells) + " |")
        lines.append("| **geomean** | " + " | ".join([""] * len(systems)) + " | " + " | ".join(
            f"**{_fmt(geomean(list(r.values())))}**" for r in all_ratios.values()) + " |")
    timings = result.get("build_timings")
    if timings:
        share = timings["reason"] / timings["total"]
        lines += ["", "**Build** (`ic16graph build`, parse → reason → validate): "
                  + ", ".join(f"{step} {seconds:.2f} s" for step, seconds in timings.items())
                  + f"; reasoning is {share:.0%} of it. " + REASONING]
    different = [f"- {query}: {name}: {verdict}" for query, verdicts in result["answers"].items()
                 for name, verdict in verdicts.items() if verdict != "same"]
    lines += ["", "**Answers**: every system's answer to every query was compared with ours "
              "(multisets of solutions or triples) before timing."]
    lines += ([" Differences and errors (≠, left out of the means; the usual differences: "
               "rdflib-endpoint drops the "
               "language tag GROUP_CONCAT keeps when all values share it, and answers an "
               "aggregate over no solutions with one empty group instead of none):", "",
               *different] if different else [" All identical."])
    return [*lines, ""]


def write_report(results: Path, target: Path) -> None:
    loaded = [json.loads(path.read_text(encoding="utf-8")) for path in results.glob("*.json")]
    loaded.sort(key=lambda r: ORDER.index(r["dataset"]) if r["dataset"] in ORDER else 99)
    if not loaded:
        return
    first = loaded[0]
    machine, versions = first["machine"], dict(first["versions"])
    if "pyoxigraph" not in versions:  # results written before the two were recorded apart
        versions["ic16graph"], versions["pyoxigraph"] = versions["ic16graph"].split()
    quick = any(r["mode"] == "quick" for r in loaded)
    status = (
        "**Status: smoke run (`--quick`, 3 rounds, 1 s bursts) on a machine shared with other "
        "work (each section gives its load average). Final figures: none yet. These prove the "
        "harness works and show the trends; `make bench` on a quiet machine gives the final "
        "ones.**"
        if quick else "**Status: full run (`make bench`), nothing else running on the machine. "
        "Each section gives its load average before and after, which include the benchmark's "
        "own load (the systems and the client share the two cores).**")
    lines = [
        "# Benchmark results",
        "",
        status,
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB, "
        f"{machine['os']}, Python {machine['python']}. Versions: ic16graph "
        f"{versions['ic16graph']} on pyoxigraph {versions['pyoxigraph']}; Oxigraph server "
        f"{versions.get('oxigraph')}; "
        f"rdflib-endpoint {versions.get('rdflib-endpoint')} (rdflib {versions.get('rdflib')}).",
        "",
        "Reproduce: `make bench` (all sizes, about 40 minutes on 2 cores) or `make bench-quick`; "
        "the runner installs the peers into `bench/.venv-peers`. Method: `bench/run.py`; data: "
        "`bench/generate.py`; queries: `queries/*.rq` and `bench/mix.py`. Latency requests are "
        "unique (no cache answers them); throughput repeats one request, so our result cache "
        "answers it after the first. Ours runs `--workers 2`. Ratios are ours ÷ peer.",
        "",
    ]
    for result in loaded:
        lines += section(result)
    target.write_text("\n".join(lines), encoding="utf-8")
