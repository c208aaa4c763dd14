from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError, office_hours_from
from bot.core.office_hours import OfficeHours

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=VN)


def test_open_in_the_morning_and_afternoon_but_not_at_lunch() -> None:
    hours = OfficeHours()
    assert hours.is_open(at(2026, 11, 25, 9, 0))
    assert not hours.is_open(at(2026, 11, 25, 12, 0))
    assert hours.is_open(at(2026, 11, 25, 14, 0))
    assert not hours.is_open(at(2026, 11, 25, 17, 0))


def test_next_opening_skips_the_weekend_and_holidays() -> None:
    hours = OfficeHours(holidays=frozenset({dt.date(2026, 11, 30)}))
    friday_evening = at(2026, 11, 27, 18, 0)
    assert hours.next_opening(friday_evening) == at(2026, 12, 1, 7, 30)
    assert OfficeHours().next_opening(at(2026, 4, 29, 18, 0)) == at(2026, 5, 4, 7, 30)


def test_hours_are_judged_in_the_office_timezone() -> None:
    # 02:00 UTC is 09:00 in Vietnam.
    assert OfficeHours().is_open(dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC))


def test_configuration_from_the_environment() -> None:
    hours = office_hours_from(
        {"OFFICE_HOURS": "Mon-Sat 08:00-12:00", "OFFICE_HOLIDAYS": "2027-02-05"}
    )
    assert hours.workdays == frozenset(range(1, 7))
    assert hours.periods == ((dt.time(8), dt.time(12)),)
    assert dt.date(2027, 2, 5) in hours.holidays
    with pytest.raises(ConfigError, match="OFFICE_HOURS"):
        office_hours_from({"OFFICE_HOURS": "weekdays 9 to 5"})
