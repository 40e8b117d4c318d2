"""The README documents what the code does: every option, every route, every timing."""

from __future__ import annotations

import dataclasses

from mock_server import Settings
from mock_server.spec.loader import load_spec
from mock_server.spec.registry import Registry
from mock_server.tasks.lifecycle import FAMILY_TIMINGS
from tests.paths import REPO_ROOT as ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_gives_the_two_commands() -> None:
    assert "make serve" in README and "make test" in README


def test_every_option_is_documented() -> None:
    for f in dataclasses.fields(Settings):
        assert f"`--{f.name.replace('_', '-')}" in README, f.name
        assert f"`{f.metadata['env']}`" in README, f.name


def test_every_route_is_documented() -> None:
    for ep in Registry(load_spec()).endpoints.values():
        assert f"`{ep.method if ep.kind != 'task' else 'POST'} {ep.path}`" in README, ep.id


def test_timings_table_matches_the_lifecycle() -> None:
    for family, timing in FAMILY_TIMINGS.items():
        row = next(line for line in README.splitlines() if line.startswith(f"| {family} |"))
        assert f"| {timing.queued_s:g} s | {timing.running_s:g} s |" in row, family


def test_every_contract_check_and_option_is_documented() -> None:
    import contract_tests.checks  # noqa: F401 - registers the checks
    from contract_tests.checks import CHECKS

    for name in CHECKS:
        assert f"| `{name}` |" in README, name
    import re

    plugin = (ROOT / "contract_tests" / "plugin.py").read_text(encoding="utf-8")
    options = set(re.findall(r'addoption\(\s*"(--kling-[a-z-]+)"', plugin))
    assert len(options) >= 8
    for option in options:
        assert f"`{option}`" in README, option
