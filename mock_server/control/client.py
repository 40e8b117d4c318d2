"""The control API from Python, so a test says ``fake.control.fail_next("text2video", "...")``
or ``fake.control.clock.advance(30)`` instead of raw HTTP.

    from mock_server.control.client import ControlClient

    control = ControlClient.at("http://127.0.0.1:8000")        # a running kling-mock
    control.clock.advance(30)
    control.fail_next("text2video", "Failure to pass the risk control system")

The ``kling_fake`` pytest fixture and ``kling_respx()`` expose one as ``fake.control``.
"""

from __future__ import annotations

from typing import Any

import httpx

TOKEN_HEADER = "X-Kling-Mock-Token"


class ControlCallError(Exception):
    """The control API refused a call; ``status`` and the message it gave."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class _Calls:
    def __init__(self, http: httpx.Client) -> None:
        self._http = http

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        response = self._http.request(method, f"/__mock{path}", json=body, params=query)
        data = response.json()
        if response.status_code >= 400:
            raise ControlCallError(response.status_code, str(data.get("error", data)))
        return data


class ClockControl(_Calls):
    def read(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call("GET", "/clock")
        return result

    def now_ms(self) -> int:
        return int(self.read()["now_ms"])

    def advance(self, seconds: float) -> int:
        """Move time forwards; every transition that became due happens, in order."""
        return int(self.call("POST", "/clock/advance", {"seconds": seconds})["now_ms"])

    def set(self, now_ms: int) -> int:
        return int(self.call("POST", "/clock/set", {"now_ms": now_ms})["now_ms"])

    def mode(self, mode: str, speed: float | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"mode": mode}
        if speed is not None:
            body["speed"] = speed
        result: dict[str, Any] = self.call("POST", "/clock/mode", body)
        return result


class ControlClient(_Calls):
    def __init__(self, http: httpx.Client) -> None:
        super().__init__(http)
        self.clock = ClockControl(http)

    @classmethod
    def at(cls, base_url: str, token: str | None = None, timeout: float = 30) -> ControlClient:
        headers = {TOKEN_HEADER: token} if token else {}
        return cls(httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout))

    # -- the fake as a whole -------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return dict(self.call("GET", "/health"))

    def reset(self) -> None:
        self.call("POST", "/reset")

    # -- tasks -------------------------------------------------------------------------------
    def tasks(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self.call("GET", "/tasks", **filters)["tasks"])

    def task(self, task_id: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/tasks/{task_id}"))

    def finish(self, task_id: str) -> dict[str, Any]:
        return dict(self.call("POST", f"/tasks/{task_id}/finish"))

    def fail(self, task_id: str, message: str = "Task failed") -> dict[str, Any]:
        return dict(self.call("POST", f"/tasks/{task_id}/fail", {"message": message}))

    def hold(self, task_id: str, status: str = "processing") -> dict[str, Any]:
        return dict(self.call("POST", f"/tasks/{task_id}/hold", {"status": status}))

    def timeline(self, task_id: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
        return dict(self.call("POST", f"/tasks/{task_id}/timeline", {"steps": steps}))

    def timings(self) -> dict[str, Any]:
        return dict(self.call("GET", "/timings"))

    def set_timing(self, family: str, queued_s: float, running_s: float) -> dict[str, Any]:
        body = {"queued_s": queued_s, "running_s": running_s}
        return dict(self.call("PUT", f"/timings/{family}", body))

    def unset_timing(self, family: str) -> dict[str, Any]:
        return dict(self.call("DELETE", f"/timings/{family}"))

    # -- journals and the report -----------------------------------------------------------------
    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self.call("GET", "/journal/requests", **filters)["requests"])

    def callbacks(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self.call("GET", "/journal/callbacks", **filters)["callbacks"])

    def report(self) -> dict[str, Any]:
        return dict(self.call("GET", "/report"))

    # -- faults and limits -------------------------------------------------------------------------
    def rules(self) -> list[dict[str, Any]]:
        return list(self.call("GET", "/rules")["rules"])

    def add_rule(self, rule: dict[str, Any]) -> str:
        return str(self.call("POST", "/rules", rule)["ids"][0])

    def remove_rule(self, rule_id: str) -> None:
        self.call("DELETE", f"/rules/{rule_id}")

    def clear_rules(self) -> None:
        self.call("DELETE", "/rules")

    def use_scenario(self, name: str) -> list[str]:
        return list(self.call("POST", f"/scenarios/{name}")["ids"])

    def fail_next(self, endpoint: str, message: str, times: int = 1) -> str:
        """The next ``times`` tasks created on ``endpoint`` end ``failed`` with ``message``."""
        return self.add_rule(
            {
                "match": {"endpoint": endpoint, "action": "create"},
                "when": {"times": times},
                "effect": {"task_fails": {"message": message}},
            }
        )

    def error_next(self, endpoint: str, code: int, times: int = 1, **error: Any) -> str:
        """The next ``times`` requests to ``endpoint`` get the Kling error ``code``."""
        return self.add_rule(
            {
                "match": {"endpoint": endpoint},
                "when": {"times": times},
                "effect": {"error": {"code": code, **error}},
            }
        )

    def limits(self) -> dict[str, Any]:
        return dict(self.call("GET", "/limits"))

    def set_limits(self, access_key: str, **limits: Any) -> dict[str, Any]:
        return dict(self.call("PUT", f"/limits/{access_key}", limits))

    def unset_limits(self, access_key: str) -> dict[str, Any]:
        return dict(self.call("DELETE", f"/limits/{access_key}"))
