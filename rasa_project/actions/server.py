"""Run the action server with a shared token: ``python -m actions.server``.

rasa-sdk's own server has no authentication. Rasa sends the token configured in
``endpoints.yml`` as ``?token=...`` on every call; this wrapper refuses calls without it, so the
actions are not an open endpoint even where the port is reachable.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)
OPEN_PATHS = frozenset({"/health"})


def build_app(token: str, package: str = "actions") -> Sanic:
    """The rasa-sdk app with every path but /health behind ``token``."""
    if not token:
        raise ValueError("ACTIONS_TOKEN must be set: the action server does not run without it")
    executor = ActionExecutor()
    executor.register_package(package)
    app = create_app(executor, cors_origins=None)

    @app.on_request
    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = request.args.get("token") or request.headers.get("authorization", "").removeprefix(
            "Bearer "
        )
        if not hmac.compare_digest(given.encode(), token.encode()):
            return response.json({"error": "missing or wrong token"}, status=401)
        return None

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="visitor-desk action server")
    parser.add_argument("--host", default=os.environ.get("ACTIONS_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTIONS_PORT", "5055")))
    args = parser.parse_args()
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    app = build_app(os.environ.get("ACTIONS_TOKEN", ""))
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
