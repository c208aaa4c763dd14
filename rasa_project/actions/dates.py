"""Dates typed by visitors in eight languages, and working days in Vietnam."""

from __future__ import annotations

import datetime as dt
import re

# Vietnam's fixed-date public holidays. Tết and the Hùng Kings' day follow the lunar calendar
# and move every year, so the lead-time check is slightly generous around them; officers see
# the date anyway.
FIXED_HOLIDAYS = {(1, 1), (4, 30), (5, 1), (9, 2)}

_DATE_ORDER = {"zh": "YMD", "ja": "YMD", "ko": "YMD", "en": "DMY"}
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")


def parse_date(text: str, lang: str, today: dt.date) -> dt.date | None:
    """The first date in ``text``, reading it the way a speaker of ``lang`` writes dates."""
    iso = _ISO.search(text)
    if iso:
        try:
            return dt.date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            return None
    import dateparser
    from dateparser.search import search_dates

    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": dt.datetime.combine(today, dt.time(9, 0)),
        "DATE_ORDER": _DATE_ORDER.get(lang, "DMY"),
        "REQUIRE_PARTS": ["day", "month"],
    }
    languages = [lang] if lang == "en" else [lang, "en"]
    parsed = dateparser.parse(text, languages=languages, settings=settings)
    if parsed is None:
        found = search_dates(text, languages=languages, settings=settings)
        parsed = found[0][1] if found else None
    return parsed.date() if parsed else None


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end``."""
    days = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        days += is_working_day(current)
    return days


def add_working_days(start: dt.date, count: int) -> dt.date:
    """The date ``count`` working days after ``start``."""
    current = start
    while count > 0:
        current += dt.timedelta(days=1)
        count -= is_working_day(current)
    return current
