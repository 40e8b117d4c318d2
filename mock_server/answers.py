"""Where the live service and Kling's docs disagree: one answer per ``--errors`` mode.

The answers are data (``schemas/errors.json``, key ``answers``: situation -> ``live`` /
``documented`` -> code and message template, each row with its source); code asks for a
situation by name and gets the ``KlingError`` of the chosen mode. Differences that are rules on
a field live in the request schemas instead (``x-kling-live``), and reply shapes in the
manifest (an entry's ``live`` key).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any, Literal

from mock_server.errors import KlingError, error_table
from mock_server.paths import SCHEMAS_DIR

ErrorsMode = Literal["live", "documented"]
ERRORS_MODES: tuple[ErrorsMode, ...] = ("live", "documented")


@functools.cache
def answer_table() -> dict[str, dict[str, Any]]:
    """situation -> {"live": {code, message}, "documented": {code, message}}, checked."""
    raw = json.loads((SCHEMAS_DIR / "errors.json").read_text(encoding="utf-8"))
    table = {k: v for k, v in raw.get("answers", {}).items() if not k.startswith("$")}
    for situation, row in table.items():
        for mode in ERRORS_MODES:
            answer = row.get(mode)
            if not isinstance(answer, dict) or int(answer.get("code", -1)) not in error_table():
                raise ValueError(f"errors.json answers.{situation}.{mode}: needs a known code")
    return table


@dataclass(frozen=True)
class Answers:
    mode: ErrorsMode = "live"

    @property
    def live(self) -> bool:
        return self.mode == "live"

    def error(self, situation: str, **values: Any) -> KlingError:
        """The error for ``situation`` in this mode; ``{name}`` in its message is filled in."""
        answer = answer_table()[situation][self.mode]
        return KlingError(int(answer["code"]), str(answer["message"]).format(**values))
