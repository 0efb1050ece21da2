"""`shomik serve | migrate | admin | backup | schema | janus-config`."""

from __future__ import annotations

import argparse
import json
import logging
import os
from pathlib import Path

from shomik.admin.cli import add_commands as add_admin_commands
from shomik.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {
        key: value
        for key, value in (("host", args.host), ("port", args.port), ("data_dir", args.data_dir))
        if value is not None
    }
    return Settings(**overrides)


def serve(args: argparse.Namespace) -> None:
    from shomik.app import create_app
    from shomik.db.migrate import upgrade
    from shomik.realtime import wsdeflate
    from shomik.uvserver import run

    settings = _settings(args)
    wsdeflate.configure(settings.ws_compression_idle_seconds)
    # Children (none today) and the app factory see the same settings.
    os.environ["SHOMIK_DATA_DIR"] = str(settings.data_dir)
    upgrade(settings)
    settings.resolved_secret_key()  # generated before serving, not on the first request
    run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        # websockets-sansio: ~3x the messages per core of the legacy protocol here; ours
        # holds no zlib state while a socket is idle (realtime/wsdeflate.py).
        ws=wsdeflate.LeanDeflateProtocol,
        ws_max_size=64 * 1024,  # a 4096-character message is at most 16 KB of UTF-8
        ws_ping_interval=settings.ws_ping_interval_seconds,
        ws_ping_timeout=settings.ws_ping_interval_seconds,
        ws_per_message_deflate=settings.ws_compression,
        proxy_headers=True,
        # Connections waiting to be accepted. uvicorn's 2048 overflows when thousands of
        # clients reconnect at once (a restart, a network blip) and the kernel then drops
        # their SYNs for a 1 s retransmit; it caps this at net.core.somaxconn (4096 today).
        backlog=8192,
        log_level=os.environ.get("SHOMIK_LOG_LEVEL", "info"),
        access_log=os.environ.get("SHOMIK_ACCESS_LOG", "1") == "1",
    )


def migrate(args: argparse.Namespace) -> None:
    from shomik.db.migrate import upgrade

    upgrade(_settings(args))


def schema(args: argparse.Namespace) -> None:
    from shomik.app import create_app
    from shomik.realtime.protocol import json_schema

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    app = create_app(Settings(secret_key="schema-generation-needs-no-real-key"))  # noqa: S106
    docs = {"openapi.json": app.openapi(), "protocol.json": json_schema()}
    for name, doc in docs.items():
        (out / name).write_text(
            json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        )


def janus_config(args: argparse.Namespace) -> None:
    from pydantic import ValidationError

    from shomik.sfu.config import ConfigError, write

    try:
        written = write(Settings(), Path(args.out), args.janus_lib, args.listen, args.admin_listen)
    except (ConfigError, ValidationError) as exc:
        raise SystemExit(f"shomik janus-config: {exc}") from None
    for path in written:
        print(path)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="shomik")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func, help_text in (
        ("serve", serve, "apply migrations and serve HTTP + WebSocket"),
        ("migrate", migrate, "apply database migrations"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--host")
        p.add_argument("--port", type=int)
        p.add_argument("--data-dir", type=Path)
        p.set_defaults(func=func)
    add_admin_commands(sub)
    p = sub.add_parser("schema", help="write openapi.json and protocol.json")
    p.add_argument("--out", default="schema")
    p.set_defaults(func=schema)
    p = sub.add_parser(
        "janus-config", help="write Janus's configuration for group calls (SHOMIK_SFU_*)"
    )
    p.add_argument("--out", required=True, type=Path, help="janus -F OUT -C OUT/janus.jcfg")
    p.add_argument("--janus-lib", type=Path, help="Janus's library folder (found if omitted)")
    p.add_argument("--listen", help="the address Janus binds its API to, if not SHOMIK_SFU_URL's")
    p.add_argument(
        "--admin-listen",
        help="the address Janus binds its Admin API to, if not SHOMIK_SFU_ADMIN_URL's",
    )
    p.set_defaults(func=janus_config)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
