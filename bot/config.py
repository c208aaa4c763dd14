"""Settings, read once from the environment at start-up (see README for every variable)."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bot.core.office_hours import OfficeHours
from bot.core.queue import QueueTimers
from bot.core.ratelimit import Rate

ROOT = Path(__file__).resolve().parent.parent


# A flooder is stopped after a burst of 15 (about a second and a half of a script); a person
# answering a ten-question form with buttons stays well inside it and types far slower than
# 30 a minute.
DEFAULT_VISITOR_RATE = Rate(per_minute=30, burst=15)
# One address can be a whole office or hotel: hundreds of messages a minute stay allowed.
DEFAULT_ADDRESS_RATE = Rate(per_minute=600, burst=200)
DEFAULT_HANDOFF_TIMERS = QueueTimers()


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    public_base_url: str = "http://localhost:8000"
    database_url: str = f"sqlite+aiosqlite:///{ROOT / 'var' / 'app.db'}"
    auto_migrate: bool = True
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = ""
    actions_url: str = "http://127.0.0.1:5055"
    rasa_timeout: float = 10.0
    session_secret: str = ""
    widget_origins: tuple[str, ...] = ()
    knowledge_dir: Path = ROOT / "knowledge"
    retention_days: int = 180
    max_message_chars: int = 4096
    max_body_bytes: int = 64 * 1024
    office_hours: OfficeHours = field(default_factory=OfficeHours)
    telegram_token: str | None = None
    telegram_api_base_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_officers_chat_id: int | None = None
    handoff_timers: QueueTimers = DEFAULT_HANDOFF_TIMERS
    sweep_interval: float = 30.0
    retention_interval: float = 3600.0
    visitor_rate: Rate = DEFAULT_VISITOR_RATE
    address_rate: Rate = DEFAULT_ADDRESS_RATE
    forwarded_allow_ips: str = "127.0.0.1"
    metrics_token: str | None = None
    log_level: str = "INFO"
    log_format: str = "text"

    @property
    def secure_cookies(self) -> bool:
        """Secure cookies over HTTPS; browsers also accept them on http://localhost."""
        host = urlsplit(self.public_base_url).hostname or ""
        return self.public_base_url.startswith("https://") or host in {"localhost", "127.0.0.1"}

    @property
    def privacy_url(self) -> str:
        return f"{self.public_base_url}/kb/privacy"

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        own = _origin(self.public_base_url)
        return tuple(dict.fromkeys((own, *self.widget_origins)))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, serving: bool = True) -> Settings:
        """Read the environment; ``serving=False`` (migrations, account management) skips the
        secrets only the running gateway needs."""
        e = dict(os.environ if env is None else env)
        rasa_token = e.get("RASA_TOKEN", "")
        session_secret = e.get("SESSION_SECRET", "")
        if serving and not rasa_token:
            raise ConfigError("RASA_TOKEN is required (Rasa's --auth-token)")
        if serving and len(session_secret) < 32:
            raise ConfigError("SESSION_SECRET must be at least 32 characters")
        webhook_secret = e.get("TELEGRAM_WEBHOOK_SECRET") or None
        if e.get("TELEGRAM_WEBHOOK_URL") and not _WEBHOOK_SECRET.match(webhook_secret or ""):
            # Telegram's own rule for secret_token; without one anybody could post updates.
            raise ConfigError(
                "webhook mode needs TELEGRAM_WEBHOOK_SECRET: 16 to 256 characters of A-Z, a-z, "
                "0-9, _ and -"
            )
        return cls(
            host=e.get("HOST", cls.host),
            port=_int(e, "PORT", cls.port),
            public_base_url=e.get("PUBLIC_BASE_URL", cls.public_base_url).rstrip("/"),
            database_url=e.get("DATABASE_URL", cls.database_url),
            auto_migrate=e.get("AUTO_MIGRATE", "1") not in {"0", "false", "no"},
            rasa_url=e.get("RASA_URL", cls.rasa_url),
            rasa_token=rasa_token,
            actions_url=e.get("ACTIONS_URL", cls.actions_url),
            rasa_timeout=float(e.get("RASA_TIMEOUT", cls.rasa_timeout)),
            session_secret=session_secret,
            widget_origins=tuple(
                o.strip().rstrip("/") for o in e.get("WIDGET_ORIGINS", "").split(",") if o.strip()
            ),
            knowledge_dir=Path(e.get("KNOWLEDGE_DIR", ROOT / "knowledge")),
            retention_days=_positive(e, "RETENTION_DAYS", cls.retention_days),
            max_message_chars=_int(e, "MAX_MESSAGE_CHARS", cls.max_message_chars),
            max_body_bytes=_int(e, "MAX_BODY_BYTES", cls.max_body_bytes),
            office_hours=office_hours_from(e),
            telegram_token=e.get("TELEGRAM_BOT_TOKEN") or None,
            telegram_api_base_url=e.get("TELEGRAM_API_BASE_URL") or None,
            telegram_webhook_url=e.get("TELEGRAM_WEBHOOK_URL") or None,
            telegram_webhook_secret=webhook_secret,
            telegram_officers_chat_id=_int(e, "TELEGRAM_OFFICERS_CHAT_ID", 0) or None,
            handoff_timers=QueueTimers(
                reannounce=_minutes(e, "HANDOFF_REANNOUNCE_MINUTES", cls.handoff_timers.reannounce),
                reclaim=_minutes(e, "HANDOFF_RECLAIM_MINUTES", cls.handoff_timers.reclaim),
            ),
            visitor_rate=_rate(e, "RATE_LIMIT_VISITOR", cls.visitor_rate),
            address_rate=_rate(e, "RATE_LIMIT_IP", cls.address_rate),
            forwarded_allow_ips=e.get("FORWARDED_ALLOW_IPS", cls.forwarded_allow_ips),
            metrics_token=e.get("METRICS_TOKEN") or None,
            log_level=e.get("LOG_LEVEL", cls.log_level).upper(),
            log_format=_choice(e, "LOG_FORMAT", ("text", "json")),
        )


_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_DAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}


def office_hours_from(e: Mapping[str, str]) -> OfficeHours:
    """``OFFICE_HOURS="Mon-Fri 07:30-11:30,13:30-17:00"``, ``OFFICE_HOLIDAYS="2027-02-05,..."``."""
    default = OfficeHours()
    spec = e.get("OFFICE_HOURS", "").strip()
    workdays, periods = default.workdays, default.periods
    if spec:
        try:
            days_part, times_part = spec.split(None, 1)
            first, _, last = days_part.lower().partition("-")
            start_day, end_day = _DAYS[first[:3]], _DAYS[(last or first)[:3]]
            workdays = frozenset(range(start_day, end_day + 1))
            parsed = []
            for chunk in times_part.split(","):
                m = _PERIOD.match(chunk.strip())
                if m is None:
                    raise ValueError(chunk)
                h1, m1, h2, m2 = (int(x) for x in m.groups())
                parsed.append((dt.time(h1, m1), dt.time(h2, m2)))
            periods = tuple(parsed)
        except (ValueError, KeyError) as exc:
            raise ConfigError(
                f"OFFICE_HOURS must look like 'Mon-Fri 07:30-11:30,13:30-17:00' ({exc})"
            ) from exc
    try:
        holidays = frozenset(
            dt.date.fromisoformat(d.strip())
            for d in e.get("OFFICE_HOLIDAYS", "").split(",")
            if d.strip()
        )
    except ValueError as exc:
        raise ConfigError(f"OFFICE_HOLIDAYS must be YYYY-MM-DD dates ({exc})") from exc
    return OfficeHours(
        timezone=e.get("OFFICE_TIMEZONE", default.timezone),
        periods=periods,
        workdays=workdays,
        holidays=holidays,
    )


def _int(e: Mapping[str, str], key: str, default: int) -> int:
    raw = e.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{key} must be a whole number, got {raw!r}") from exc


def _positive(e: Mapping[str, str], key: str, default: int) -> int:
    value = _int(e, key, default)
    if value < 1:
        raise ConfigError(f"{key} must be at least 1, got {value}")
    return value


def _minutes(e: Mapping[str, str], key: str, default: dt.timedelta) -> dt.timedelta:
    return dt.timedelta(minutes=_int(e, key, int(default.total_seconds() // 60)))


def _rate(e: Mapping[str, str], prefix: str, default: Rate) -> Rate:
    minute = _int(e, f"{prefix}_PER_MINUTE", int(default.per_minute))
    size = _int(e, f"{prefix}_BURST", default.burst)
    try:
        return Rate(per_minute=minute, burst=size)
    except ValueError as exc:
        raise ConfigError(f"{prefix}_PER_MINUTE and {prefix}_BURST must be positive") from exc


def _choice(e: Mapping[str, str], key: str, allowed: tuple[str, ...]) -> str:
    value = e.get(key, allowed[0]).strip().lower() or allowed[0]
    if value not in allowed:
        raise ConfigError(f"{key} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
