"""Where the data lives: the repository's ``schemas/`` and ``fixtures/`` folders.

The project is installed in editable mode (``make serve``), so the folders sit beside the
package. ``KLING_MOCK_ROOT`` points elsewhere for unusual layouts.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("KLING_MOCK_ROOT") or Path(__file__).resolve().parent.parent)
SCHEMAS_DIR = ROOT / "schemas"
FIXTURES_DIR = ROOT / "fixtures"
