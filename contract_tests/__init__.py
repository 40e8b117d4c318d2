"""Contract tests for the Kling API, generated from the same schemas as the fake (issue 4)."""
