"""Request validation: one extended JSON Schema validator, one way to turn errors into 1201s."""

from mock_server.validation.validator import RequestValidator, compile_validators

__all__ = ["RequestValidator", "compile_validators"]
