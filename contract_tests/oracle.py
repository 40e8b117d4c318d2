"""What a correct Kling should answer to a body.

Two kinds of expectation (``Expectation.source``):
- *independent*: written down without running any validator, from the recorded examples
  (``"example"``) or from the one schema keyword a mutation breaks (``"schema"``); see
  ``contract_tests.mutations``. These catch a fault in the fake's validation code.
- *validator*: ``Oracle.expect`` judges any other body (schemathesis's generated ones) with the
  same schemas and the same validator as the fake, so a generated body is judged by the
  contract, not by how it was generated. Against the in-process fake this shares the fake's
  code: it proves the HTTP layer honours the validator, not that the validator is right.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from mock_server.spec.registry import Operation, Registry
from mock_server.validation import compile_validators
from mock_server.validation.messages import choose, code_of, describe, field_path

Source = Literal["validator", "schema", "example"]


@dataclass(frozen=True)
class Expectation:
    code: int  # 0: accepted
    field: str = ""  # JSON path the message should name
    keyword: str = ""  # the JSON Schema keyword (or x-kling rule) that is broken
    message: str = ""
    verbatim: bool = False  # the answer's message must be exactly ``message`` (Kling's text)
    source: Source = "validator"

    @property
    def accepted(self) -> bool:
        return self.code == 0

    @property
    def independent(self) -> bool:
        return self.source != "validator"


class Oracle:
    def __init__(self, registry: Registry, *, strict: bool = False, live: bool = True) -> None:
        # live: judge as the live service answers (x-kling-live rules; the fake's default)
        self._validators = compile_validators(registry, strict=strict, live=live)

    def effective(self, op: Operation, body: Any) -> Any:
        """A body the validator accepts, as the fake goes on to read it: converted, with the
        documented defaults, the design's fields lifted (``Backend.validate``)."""
        validator = self._validators.get(op.op_id)
        if validator is None:
            return body
        return op.endpoint.design.lift(validator.with_defaults(validator.validate(body)))

    def expect(self, op: Operation, body: Any) -> Expectation:
        if op.body_schema is not None and not isinstance(body, dict):
            return Expectation(1200, "", "type", "the body must be a JSON object")
        validator = self._validators.get(op.op_id)
        errors = validator.errors(body) if validator else []
        if not errors:
            return Expectation(0)
        error = choose(errors)
        path = list(error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            names: list[str] = list(error.validator_value)  # type: ignore[arg-type]
            missing = [n for n in names if n not in error.instance]
            path += missing[:1]
        keyword = str(error.validator)
        if {"then", "else"} & set(map(str, error.absolute_schema_path)):
            keyword = "if"  # a conditional rule, whatever keyword its branch used
        return Expectation(code_of(error), field_path(path), keyword, describe(error))
