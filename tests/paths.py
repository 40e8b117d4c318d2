"""The repository's own folders, for tests that read files users do not get (README, plugin)."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
