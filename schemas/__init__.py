"""Package data: the JSON Schemas, shipped in the wheel as ``mock_server.schemas``."""
