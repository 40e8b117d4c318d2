"""kling-mock: an offline, faithful fake of the Kling AI generation API."""

from mock_server.app import create_app
from mock_server.auth import mint_token
from mock_server.settings import Settings
from mock_server.tasks.clock import Clock, ManualClock, SystemClock

__all__ = ["Clock", "ManualClock", "Settings", "SystemClock", "create_app", "mint_token"]
