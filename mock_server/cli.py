"""``kling-mock``: parse options and start the server. Options come from ``Settings``."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from typing import Any

from mock_server.settings import Settings

_FLAG_TYPES = {"int": int, "float": float}


def _serve_parser(sub: Any) -> None:
    serve = sub.add_parser(
        "serve",
        help="Run the fake Kling API.",
        description="Run the fake Kling API on HTTP. Every option can also be set with the "
        "environment variable shown; flags win over the environment.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    for f in dataclasses.fields(Settings):
        meta = f.metadata
        flag = "--" + f.name.replace("_", "-")
        helptext = f"{meta['help']} [env {meta['env']}]"
        kind = str(f.type)
        if "bool" in kind:
            serve.add_argument(
                flag, action=argparse.BooleanOptionalAction, default=None, help=helptext
            )
            continue
        conv = next((t for name, t in _FLAG_TYPES.items() if kind.startswith(name)), str)
        shown = "(hidden)" if meta.get("secret") else f.default
        serve.add_argument(
            flag,
            type=conv,
            default=None,
            choices=meta.get("choices"),
            metavar=f.name.upper(),
            help=f"{helptext} (default: {shown})",
        )


def _contract_parser(sub: Any) -> None:
    from contract_tests.profiles import PROFILES
    from contract_tests.targets import TARGET_KINDS

    contract = sub.add_parser(
        "contract",
        help="Run the contract suite against the fake, a URL, or the real Kling API.",
        description="Run the Kling contract suite (pytest). Any argument not listed here is "
        "passed to pytest, e.g. -k text2video, -x, --junitxml=report.xml.",
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
        help="examples per endpoint (default ci)",
    )
    contract.add_argument(
        "--allow-spend",
        type=int,
        default=None,
        metavar="N",
        help="real target: allow at most N billable tasks (default 0)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kling-mock",
        description="An offline, faithful fake of the Kling AI generation API.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _serve_parser(sub)
    _contract_parser(sub)
    return parser


def banner(settings: Settings, port: int) -> str:
    base = f"http://{settings.host}:{port}"
    lines = [
        f"kling-mock serving the Kling API at {base}",
        f"  OpenAPI document: {base}/openapi.json",
    ]
    if settings.accounts_file:
        lines.append(f"  accounts from {settings.accounts_file}")
    else:
        lines.append(f"  access key: {settings.access_key}")
        lines.append(
            f"  secret key: {settings.secret_key}"
            if settings.secret_key == "mock-secret-key"
            else "  secret key: (from KLING_SECRET_KEY / --secret-key)"
        )
    lines.append(
        f"  speed x{settings.speed:g}, seed {settings.seed}, clock {settings.clock}"
        + (", strict" if settings.strict else "")
    )
    return "\n".join(lines)


def serve(args: argparse.Namespace) -> int:
    overrides = {f.name: getattr(args, f.name) for f in dataclasses.fields(Settings)}
    try:
        settings = Settings.from_env(**overrides)
        settings.accounts()
    except ValueError as exc:
        print(f"kling-mock: {exc}", file=sys.stderr)
        return 2
    import uvicorn

    from mock_server.app import create_app

    class Server(uvicorn.Server):
        """Prints the banner once bound, with the real port (``--port 0`` picks one)."""

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            bound = [s.getsockname()[1] for srv in self.servers for s in srv.sockets]
            print(banner(settings, bound[0] if bound else settings.port), flush=True)

    app = create_app(settings)
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level=settings.log_level
    )
    Server(config).run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "contract":
        from contract_tests.runner import run

        return run(args.target, args.base_url, args.spawn, args.profile, args.allow_spend, extra)
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return serve(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
