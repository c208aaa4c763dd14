"""Settings from the environment: defaults, every error names its variable."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.config import ConfigError, Settings
from bot.core.ratelimit import Rate

BASE = {"RASA_TOKEN": "t", "SESSION_SECRET": "s" * 32}


def test_defaults_are_safe_for_a_local_run() -> None:
    settings = Settings.from_env(BASE)
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.retention_days == 180
    assert settings.visitor_rate == Rate(per_minute=30, burst=15)
    assert settings.address_rate == Rate(per_minute=600, burst=200)
    assert settings.forwarded_allow_ips == "127.0.0.1"
    assert settings.metrics_token is None and settings.log_format == "text"


def test_every_production_setting_is_read() -> None:
    settings = Settings.from_env(
        {
            **BASE,
            "RATE_LIMIT_VISITOR_PER_MINUTE": "10",
            "RATE_LIMIT_VISITOR_BURST": "4",
            "RATE_LIMIT_IP_PER_MINUTE": "1200",
            "RATE_LIMIT_IP_BURST": "300",
            "FORWARDED_ALLOW_IPS": "10.0.0.2",
            "METRICS_TOKEN": "scrape",
            "LOG_FORMAT": "JSON",
            "MAX_BODY_BYTES": "32768",
            "RETENTION_DAYS": "90",
            "HANDOFF_RECLAIM_MINUTES": "20",
            "TELEGRAM_WEBHOOK_URL": "https://desk.example/telegram/webhook",
            "TELEGRAM_WEBHOOK_SECRET": "a-long-secret_1234567",
        }
    )
    assert settings.visitor_rate == Rate(per_minute=10, burst=4)
    assert settings.address_rate == Rate(per_minute=1200, burst=300)
    assert (settings.forwarded_allow_ips, settings.metrics_token) == ("10.0.0.2", "scrape")
    assert (settings.log_format, settings.max_body_bytes) == ("json", 32768)
    assert settings.retention_days == 90
    assert settings.handoff_timers.reclaim == dt.timedelta(minutes=20)
    assert settings.telegram_webhook_secret == "a-long-secret_1234567"


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"RASA_TOKEN": ""}, "RASA_TOKEN"),
        ({"SESSION_SECRET": "short"}, "SESSION_SECRET"),
        ({"RETENTION_DAYS": "0"}, "RETENTION_DAYS"),
        ({"RETENTION_DAYS": "half a year"}, "RETENTION_DAYS"),
        ({"RATE_LIMIT_VISITOR_BURST": "0"}, "RATE_LIMIT_VISITOR"),
        ({"RATE_LIMIT_IP_PER_MINUTE": "lots"}, "RATE_LIMIT_IP_PER_MINUTE"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"OFFICE_HOURS": "weekdays 9 to 5"}, "OFFICE_HOURS"),
        ({"OFFICE_HOLIDAYS": "Tết"}, "OFFICE_HOLIDAYS"),
        ({"TELEGRAM_WEBHOOK_URL": "https://desk.example/telegram/webhook"}, "WEBHOOK_SECRET"),
        (
            {
                "TELEGRAM_WEBHOOK_URL": "https://desk.example/telegram/webhook",
                "TELEGRAM_WEBHOOK_SECRET": "short",
            },
            "WEBHOOK_SECRET",
        ),
    ],
)
def test_a_bad_setting_is_named(env: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError, match=names):
        Settings.from_env({**BASE, **env})


def test_tools_that_do_not_serve_need_no_secrets() -> None:
    assert Settings.from_env({}, serving=False).rasa_token == ""
