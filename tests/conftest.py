"""Shared fixtures: a tiny ontology + data + shapes world under tests/fixtures/pipeline/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ic16graph.build import Build, build
from ic16graph.cli import main
from ic16graph.config import Settings

REPOSITORY = Path(__file__).resolve().parent.parent
PIPELINE = Path(__file__).resolve().parent / "fixtures" / "pipeline"
WORLD = PIPELINE / "world"

CliRun = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="session")
def world_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for the fixture world; builds go to a temporary directory, never the fixtures."""
    return Settings(root=WORLD, build_dir=tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def world_build(world_settings: Settings) -> Build:
    """The fixture world built once with inference: 1 violation, 1 warning, 1 info."""
    return build(world_settings)


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CliRun:
    """Run `ic16graph ARGS…` from tests/fixtures/pipeline; return (exit code, stdout, stderr)."""
    monkeypatch.chdir(PIPELINE)
    for variable in ("IC16_ROOT", "IC16_BASE_IRI", "IC16_BUILD_DIR"):
        monkeypatch.delenv(variable, raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
