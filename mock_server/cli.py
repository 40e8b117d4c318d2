"""``kling-mock``: parse options and start the server. Options come from ``Settings``.

The runtime commands import nothing from the contract harness; ``kling-mock contract`` checks
that the harness's extra is installed before it starts and says how to get it if not.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import ipaddress
import logging
import sys
from collections.abc import Sequence
from typing import Any

from mock_server.accounts import DEFAULT_API_KEY, DEFAULT_SECRET_KEY
from mock_server.settings import Settings
from mock_server.version import package_version

_FLAG_TYPES = {"int": int, "float": float}
CONTRACT_EXTRA_MODULES = ("pytest", "hypothesis", "respx", "schemathesis")
KEEP_ALIVE_S = 5
SHUTDOWN_S = 5


def _serve_parser(sub: Any) -> None:
    serve = sub.add_parser(
        "serve",
        help="Run the fake Kling API.",
        description="Run the fake Kling API on HTTP. Every option can also be set with the "
        "environment variable shown; flags win over the environment.",
    )
    for f in dataclasses.fields(Settings):
        meta = f.metadata
        flag = "--" + f.name.replace("_", "-")
        kind = str(f.type)
        shown = "(hidden)" if meta.get("secret") else ("none" if f.default is None else f.default)
        # argparse %-formats help texts: a literal % must be doubled
        helptext = f"{meta['help']} [env {meta['env']}; default: {shown}]".replace("%", "%%")
        if "bool" in kind:
            serve.add_argument(
                flag, action=argparse.BooleanOptionalAction, default=None, help=helptext
            )
            continue
        conv = next((t for name, t in _FLAG_TYPES.items() if kind.startswith(name)), str)
        choices = meta.get("choices")
        serve.add_argument(
            flag,
            type=conv,
            default=None,
            choices=choices,
            metavar="{" + ",".join(choices) + "}" if choices else f.name.upper(),
            help=helptext,
        )


def _contract_parser(sub: Any) -> None:
    from contract_tests.profiles import PROFILES, TARGET_KINDS

    contract = sub.add_parser(
        "contract",
        help="Run the contract suite against the fake, a URL, or the real Kling API.",
        description="Run the Kling contract suite (pytest). Any argument not listed here is "
        "passed to pytest, e.g. -k text2video, -x, --junitxml=report.xml. Needs the "
        "contract extra: pip install 'kling-mock[contract]'.",
        epilog="Examples: kling-mock contract | kling-mock contract --spawn | "
        "kling-mock contract --base-url http://127.0.0.1:8000 | "
        "KLING_ACCESS_KEY=... KLING_SECRET_KEY=... kling-mock contract --target real "
        "--allow-spend 2",
    )
    contract.add_argument(
        "--target",
        choices=TARGET_KINDS,
        default=None,
        help="where to run (default: in-process, or url with --base-url)",
    )
    contract.add_argument("--base-url", default=None, help="base URL of the url target")
    contract.add_argument(
        "--spawn",
        action="store_true",
        help="start kling-mock serve on a free loopback port and test it "
        "over HTTP (the url target)",
    )
    contract.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default=None,
        help="examples per endpoint (default: ci)",
    )
    contract.add_argument(
        "--allow-spend",
        type=int,
        default=None,
        metavar="N",
        help="real target: allow at most N billable tasks (default: 0)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kling-mock",
        description="An offline, faithful fake of the Kling AI generation API.",
    )
    parser.add_argument("--version", action="version", version=f"kling-mock {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _serve_parser(sub)
    _contract_parser(sub)
    sub.add_parser(
        "scenarios",
        help="List the named fault scenarios (for --scenario and X-Kling-Mock-Scenario).",
    )
    return parser


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def warnings_for(settings: Settings) -> list[str]:
    """What a user should know before others can reach the fake."""
    if is_loopback(settings.host):
        return []
    default_keys = settings.secret_key == DEFAULT_SECRET_KEY or settings.api_key == DEFAULT_API_KEY
    if settings.accounts_file is None and default_keys:
        return [
            f"warning: listening on {settings.host} (not loopback) with the default, public "
            "credentials: anyone who can reach this port can use the fake. Set --secret-key "
            "and --api-key, or --accounts-file."
        ]
    return []


def banner(settings: Settings, port: int, *, seed: int | None = None) -> str:
    base = f"{'https' if settings.tls else 'http'}://{settings.host}:{port}"
    lines = [
        f"kling-mock {package_version()} serving the Kling API at {base}",
        f"  OpenAPI document: {base}/openapi.json",
    ]
    if settings.tls:
        lines.append(f"  TLS: trust the CA in {settings.tls_ca_file} (e.g. NODE_EXTRA_CA_CERTS)")
    if settings.accounts_file:
        lines.append(f"  accounts from {settings.accounts_file}")
    else:
        lines.append(f"  access key: {settings.access_key}")
        lines.append(
            f"  secret key: {settings.secret_key}"
            if settings.secret_key == DEFAULT_SECRET_KEY
            else "  secret key: (from KLING_SECRET_KEY / --secret-key)"
        )
        if settings.api_key == DEFAULT_API_KEY:
            lines.append(f"  API key: {DEFAULT_API_KEY}")
        elif settings.api_key:
            lines.append("  API key: (from KLING_API_KEY / --api-key)")
        else:
            lines.append("  API key: none (JWT only; the model-path design needs one)")
    if settings.public_base_url:
        lines.append(f"  result URLs under {settings.public_base_url}")
    shown_seed = settings.seed if settings.seed is not None else seed
    clock = settings.clock + (f" x{settings.clock_speed:g}" if settings.clock == "scaled" else "")
    lines.append(
        f"  speed x{settings.speed:g}, seed {shown_seed}, clock {clock}"
        + (f", fail rate {settings.fail_rate:g}" if settings.fail_rate else "")
        + (", strict" if settings.strict else "")
    )
    return "\n".join(lines)


def _fail(message: str) -> int:
    print(f"kling-mock: {message}", file=sys.stderr)
    return 2


def serve(args: argparse.Namespace) -> int:
    overrides = {f.name: getattr(args, f.name) for f in dataclasses.fields(Settings)}
    try:
        settings = Settings.from_env(**overrides)
        settings.accounts()
    except ValueError as exc:
        return _fail(str(exc))
    import uvicorn

    from mock_server.app import create_app
    from mock_server.http.protocol import with_header_timeout
    from mock_server.spec.loader import SpecError

    try:
        app = create_app(settings)
    except SpecError as exc:
        return _fail(str(exc))
    for line in warnings_for(settings):
        print(line, file=sys.stderr, flush=True)
    seed = app.state.backend.ids.seed
    tls: dict[str, Any] = {}
    if settings.tls:
        from mock_server.tls import make_local_tls

        try:
            files = make_local_tls(settings.tls_ca_file, settings.host)
        except ValueError as exc:
            return _fail(str(exc))
        tls = {"ssl_certfile": str(files.cert), "ssl_keyfile": str(files.key)}

    class Server(uvicorn.Server):
        """Prints the banner once bound, with the real port (``--port 0`` picks one)."""

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            bound = [s.getsockname()[1] for srv in self.servers for s in srv.sockets]
            port = bound[0] if bound else settings.port
            print(banner(settings, port, seed=seed), flush=True)

    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=settings.access_log,
        http=with_header_timeout(settings.header_timeout),  # httptools if installed, else h11
        timeout_keep_alive=KEEP_ALIVE_S,  # idle keep-alive connections are closed after this
        timeout_graceful_shutdown=SHUTDOWN_S,  # Ctrl-C never waits on a client for longer
        **tls,
    )
    logging.getLogger("uvicorn.error").addFilter(_quiet_dropped_connections)
    from mock_server.serving import quiet_gc

    quiet_gc()
    Server(config).run()
    return 0


def _quiet_dropped_connections(record: logging.LogRecord) -> bool:
    """A connection dropped on purpose (a fault rule) is logged once, at info, by the fake;
    uvicorn's traceback for it is noise."""
    from mock_server.simulation.middleware import DroppedConnection

    return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection))


def contract(args: argparse.Namespace, extra: Sequence[str]) -> int:
    missing = [m for m in CONTRACT_EXTRA_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        return _fail(
            f"the contract suite needs {', '.join(missing)}: pip install 'kling-mock[contract]'"
        )
    from contract_tests.runner import run

    return run(args.target, args.base_url, args.spawn, args.profile, args.allow_spend, extra)


def scenarios() -> int:
    """Each named scenario: its name and the first sentence of its description."""
    from mock_server.simulation.scenarios import NAMED_DIR, named

    found = named()
    width = max(map(len, found), default=0)
    for name, scenario in found.items():
        print(f"{name:<{width}}  {scenario.summary}")
    print(
        f"\nfiles in {NAMED_DIR}: use one with --scenario FILE, or by name with the header "
        "X-Kling-Mock-Scenario or POST /__mock/scenarios/NAME"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "contract":
        return contract(args, extra)
    if args.command == "scenarios" and not extra:
        return scenarios()
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return serve(args)
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after a clean shutdown
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
