"""Command line of the gateway.

python -m bot serve       run the gateway (HTTP API, widget, console, Telegram)
python -m bot migrate     apply database migrations and exit
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import logs, officers_cli
from bot.config import ConfigError, Settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the gateway")
    commands.add_parser("migrate", help="apply database migrations")
    officers_cli.add_parser(commands)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(serving=args.command == "serve")
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level, settings.log_format)
    if args.command == "officer":
        return officers_cli.run(args, settings)
    if args.command == "migrate":
        from bot.storage.db import upgrade

        upgrade(settings.database_url)
        print("database is up to date")
        return 0
    import uvicorn

    from bot.app import create_app

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # keep our handlers and formats (uvicorn's would replace them)
        proxy_headers=True,
        # Behind a reverse proxy the client address comes from X-Forwarded-For, trusted only
        # from these addresses (the per-address rate limit depends on it).
        forwarded_allow_ips=settings.forwarded_allow_ips,
        # uvicorn's default WebSocket implementation leaves some malformed upgrade requests
        # (a POST with Upgrade headers) hanging forever; wsproto answers them with 400.
        ws="wsproto",
        access_log=False,  # request logs would carry conversation ids in URLs; we log our own
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
