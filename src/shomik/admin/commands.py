"""The `shomik admin` actions: read the input, call admin/service.py, print the outcome."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import sys
from collections.abc import Awaitable, Callable

from shomik.admin import service
from shomik.admin.cli import fail
from shomik.auth.passwords import Passwords
from shomik.db.engine import Database, make_engine
from shomik.errors import ShomikError
from shomik.settings import Settings

Action = Callable[[Database, Passwords, argparse.Namespace], Awaitable[str]]


def _password() -> str:
    """One line of standard input (a script pipes it in), or typed unseen at a terminal."""
    if sys.stdin.isatty():
        return getpass.getpass("New password: ")
    return sys.stdin.readline().removesuffix("\n").removesuffix("\r")


async def _create(db: Database, passwords: Passwords, args: argparse.Namespace) -> str:
    user_id = await service.create_user(db, passwords, args.name, _password(), args.display_name)
    return f"Created user {args.name} (id {user_id})."


async def _reset(db: Database, passwords: Passwords, args: argparse.Namespace) -> str:
    ended = await service.reset_password(db, passwords, args.name, _password())
    return f"New password for {args.name}; {ended} session(s) ended."


async def _deactivate(db: Database, _passwords: Passwords, args: argparse.Namespace) -> str:
    ended = await service.deactivate(db, args.name)
    return f"Deactivated {args.name}; {ended} session(s) ended."


async def _reactivate(db: Database, _passwords: Passwords, args: argparse.Namespace) -> str:
    if await service.reactivate(db, args.name):
        return f"Reactivated {args.name}: they can sign in again."
    return f"{args.name} was not deactivated."


async def _list(db: Database, _passwords: Passwords, args: argparse.Namespace) -> str:
    accounts = await service.list_users(db)
    if args.json:
        return json.dumps(
            [
                {
                    "id": a.id,
                    "username": a.username,
                    "displayName": a.display_name,
                    "createdAt": a.created_at.isoformat(),
                    "deactivatedAt": a.deactivated_at.isoformat() if a.deactivated_at else None,
                    "sessions": a.sessions,
                }
                for a in accounts
            ],
            ensure_ascii=False,
        )
    rows = [("ID", "USERNAME", "SESSIONS", "CREATED", "STATE", "DISPLAY NAME")]
    for a in accounts:
        state = f"deactivated {a.deactivated_at:%Y-%m-%d}" if a.deactivated_at else "active"
        created = f"{a.created_at:%Y-%m-%d}"
        rows.append((str(a.id), a.username, str(a.sessions), created, state, a.display_name))
    # Every column padded to its widest cell but the last (display names vary most).
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]])
        for row in rows
    )


ACTIONS: dict[str, Action] = {
    "create-user": _create,
    "reset-password": _reset,
    "deactivate": _deactivate,
    "reactivate": _reactivate,
    "list-users": _list,
}


async def _with_db(settings: Settings, args: argparse.Namespace) -> str:
    db = Database(make_engine(settings), settings)
    try:
        return await ACTIONS[args.action](db, Passwords(settings), args)
    finally:
        await db.dispose()


def run(args: argparse.Namespace, settings: Settings) -> None:
    # Alembic's start-up chatter is not the operator's business (set before its import).
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from shomik.db.migrate import upgrade

    upgrade(settings)  # a first command before the first `serve` finds the tables too
    try:
        output = asyncio.run(_with_db(settings, args))
    except ShomikError as exc:
        fail(exc.message)
    print(output)
