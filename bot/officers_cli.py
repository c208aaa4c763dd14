"""``python -m bot officer ...``: manage console accounts from the server's shell.

Passwords are read from standard input (a prompt on a terminal, a line in a pipe) and never
taken from the command line, where they would end up in the shell history.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from bot.config import Settings
from bot.console.passwords import Argon2Hasher
from bot.core.auth import OfficerAuth
from bot.core.models import Role
from bot.storage.db import create_engine, session_factory, upgrade
from bot.storage.officers import (
    DuplicateUsernameError,
    SqlAuditLog,
    SqlOfficerStore,
    SqlSessionStore,
)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    officer = commands.add_parser("officer", help="manage officer accounts")
    sub = officer.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="create an account (password from standard input)")
    add.add_argument("username")
    add.add_argument("--role", choices=[r.value for r in Role], default=Role.OFFICER.value)
    add.add_argument("--name", help="display name (default: the username)")
    add.add_argument("--telegram-id", type=int, help="Telegram user id for the officers' group")
    link = sub.add_parser("link", help="link an account to a Telegram user id")
    link.add_argument("username")
    link.add_argument("telegram_id", type=int)
    password = sub.add_parser("password", help="set a new password (ends all sessions)")
    password.add_argument("username")
    sub.add_parser("list", help="list accounts")
    count = sub.add_parser("count", help="print how many active accounts there are")
    count.add_argument("--role", choices=[r.value for r in Role])


def read_password(confirm: bool = True) -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if confirm and getpass.getpass("Repeat: ") != first:
            raise ValueError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def run(args: argparse.Namespace, settings: Settings) -> int:
    upgrade(settings.database_url)
    try:
        return asyncio.run(_run(args, settings))
    except (ValueError, DuplicateUsernameError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    officers = SqlOfficerStore(sessions)
    auth = OfficerAuth(
        officers=officers,
        sessions=SqlSessionStore(sessions),
        hasher=Argon2Hasher(),
        audit=SqlAuditLog(sessions),
    )
    try:
        if args.action == "count":
            print(await officers.count(Role(args.role) if args.role else None))
        elif args.action == "list":
            for o in await officers.everyone():
                linked = f" telegram:{o.telegram_user_id}" if o.telegram_user_id else ""
                print(f"{o.username}\t{o.role.value}\t{o.display_name}{linked}")
        elif args.action == "add":
            officer = await auth.create_officer(
                args.username, read_password(), Role(args.role), args.name
            )
            if args.telegram_id:
                await officers.link_telegram(officer.id, args.telegram_id)
            print(f"created {officer.username} ({officer.role.value})")
        elif args.action == "link":
            found = await officers.credentials(args.username.strip().lower())
            if found is None:
                raise ValueError(f"no officer {args.username!r}")
            await officers.link_telegram(found.officer.id, args.telegram_id)
            print(f"linked {found.officer.username} to Telegram user {args.telegram_id}")
        else:
            officer = await auth.set_password(args.username, read_password())
            print(f"password of {officer.username} changed")
        return 0
    finally:
        await engine.dispose()
