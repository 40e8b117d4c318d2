"""The package exports a small, deliberate surface."""

import mock_server


def test_exported_members() -> None:
    assert sorted(mock_server.__all__) == [
        "Clock",
        "ManualClock",
        "Settings",
        "SystemClock",
        "create_app",
        "mint_token",
    ]
    for name in mock_server.__all__:
        assert getattr(mock_server, name) is not None
