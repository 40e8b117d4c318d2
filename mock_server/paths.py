"""Where the data lives: the packages ``mock_server.schemas`` and ``mock_server.fixtures``.

In the repository they are the top-level ``schemas/`` and ``fixtures/`` folders; the wheel ships
them inside ``mock_server`` (see ``[tool.setuptools.package-dir]`` in pyproject.toml). They are
found with ``importlib.resources``, so an editable install, a wheel and an sdist build all read
the same files. ``check_data()`` says in one line what is missing when they are not there.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


class DataMissingError(RuntimeError):
    """The schemas or fixtures are not installed next to the code."""


def _package_dir(package: str) -> Path:
    try:
        return Path(str(files(package)))
    except ModuleNotFoundError:
        # Not importable: check_data() turns this into a clear start-up error.
        return Path(__file__).resolve().parent / package.rpartition(".")[2]


SCHEMAS_DIR = _package_dir("mock_server.schemas")
FIXTURES_DIR = _package_dir("mock_server.fixtures")


def check_data() -> None:
    """Raise ``DataMissingError`` naming what is missing, before anything else starts."""
    for what, path, probe in (
        ("schemas", SCHEMAS_DIR, "manifest.json"),
        ("fixtures", FIXTURES_DIR, "media"),
    ):
        if not (path / probe).exists():
            raise DataMissingError(
                f"the {what} are not installed ({path / probe} is missing); "
                "reinstall kling-mock (pip install --force-reinstall kling-mock)"
            )
