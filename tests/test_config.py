"""config.py: defaults, then IC16_* environment variables, then explicit overrides."""

from __future__ import annotations

import pytest

from ic16graph.app import limits_from
from ic16graph.config import Settings, SettingsError


def test_service_allowlist_comes_from_the_environment_and_reaches_the_query_limits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IC16_SERVICE_ALLOWLIST", "https://a.example/sparql, https://b.example/q")
    settings = Settings.from_env()
    assert settings.service_allowlist == ("https://a.example/sparql", "https://b.example/q")
    assert limits_from(settings).service_allowlist == frozenset(settings.service_allowlist)


def test_nothing_is_allowed_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IC16_SERVICE_ALLOWLIST", raising=False)
    assert limits_from(Settings.from_env()).service_allowlist == frozenset()


def test_overrides_beat_the_environment_and_none_keeps_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IC16_TIMEOUT", "3.5")
    assert Settings.from_env(query_timeout=None).query_timeout == 3.5
    assert Settings.from_env(query_timeout=7).query_timeout == 7


def test_a_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IC16_WORKERS", "two")
    with pytest.raises(SettingsError, match=r"^IC16_WORKERS: invalid literal for int"):
        Settings.from_env()


def test_a_base_iri_must_end_with_a_slash() -> None:
    with pytest.raises(SettingsError, match="must end with '/'"):
        Settings(base_iri="https://example.org/ic16")
