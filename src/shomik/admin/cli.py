"""`shomik admin …` and `shomik backup FILE`: their arguments. What they do is in
admin/commands.py and db/backup.py, imported only when one of them runs, so that other
`shomik` commands do not load the account code."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path
from typing import Any, NoReturn

from shomik.settings import Settings


def settings_of(args: argparse.Namespace) -> Settings:
    # The same settings as `shomik serve`: SHOMIK_* variables, and --data-dir over them.
    return Settings(data_dir=args.data_dir) if args.data_dir else Settings()


def fail(message: str) -> NoReturn:
    print(f"shomik: {message}", file=sys.stderr)
    raise SystemExit(1)


def _admin(args: argparse.Namespace) -> None:
    from shomik.admin.commands import run

    run(args, settings_of(args))


def _backup(args: argparse.Namespace) -> None:
    from shomik.db.backup import sqlite_backup
    from shomik.errors import ShomikError

    settings = settings_of(args)
    if not settings.is_sqlite:
        fail(
            "shomik backup copies the SQLite database; for PostgreSQL use pg_dump "
            "(docs/deployment.md, Backups)."
        )
    source = settings.data_dir / "shomik.db"
    try:
        size = sqlite_backup(source, args.file)
    except (ShomikError, sqlite3.Error, OSError) as exc:
        fail(str(exc))
    print(f"Backed up {source} to {args.file} ({size} bytes).")


def add_commands(sub: Any) -> None:
    """`admin` with its actions, and `backup`, on the top-level parser's subcommands."""
    admin = sub.add_parser("admin", help="manage accounts (same settings as serve)")
    actions = admin.add_subparsers(dest="action", required=True)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = actions.add_parser(name, help=help_text)
        p.add_argument("--data-dir", type=Path)
        p.set_defaults(func=_admin)
        return p

    def password_stdin(p: argparse.ArgumentParser) -> None:
        # Required, and the only way: an argument is visible to every user in `ps`.
        p.add_argument(
            "--password-stdin",
            action="store_true",
            required=True,
            help="read the password from standard input (one line)",
        )

    p = action("create-user", "create an account")
    p.add_argument("name")
    p.add_argument("--display-name")
    password_stdin(p)
    p = action("reset-password", "set a new password and end every session of the user")
    p.add_argument("name")
    password_stdin(p)
    action("deactivate", "refuse the user's sign-ins and end their sessions").add_argument("name")
    action("reactivate", "let a deactivated user sign in again").add_argument("name")
    action("list-users", "list the accounts").add_argument(
        "--json", action="store_true", help="one JSON array instead of a table"
    )
    p = sub.add_parser("backup", help="a consistent copy of the SQLite database, server running")
    p.add_argument("file", type=Path)
    p.add_argument("--data-dir", type=Path)
    p.set_defaults(func=_backup)
