"""Request validation: one extended JSON Schema validator, one way to turn errors into 1201s."""

from mock_server.validation.validator import RequestValidator

__all__ = ["RequestValidator"]
