"""When the foreign-information office is open, in its own timezone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

# Fixed-date public holidays. Tết and the Hùng Kings' day follow the lunar calendar; add their
# dates for the year in OFFICE_HOLIDAYS (see README) so the visitor is told the right day.
FIXED_HOLIDAYS = frozenset({(1, 1), (4, 30), (5, 1), (9, 2)})


@dataclass(frozen=True)
class OfficeHours:
    """Weekly opening hours plus holidays.

    Attributes:
        timezone: The office's IANA timezone (Asia/Ho_Chi_Minh).
        periods: Opening periods of a working day, e.g. ((07:30, 11:30), (13:30, 17:00)).
        workdays: ISO weekdays the office works (1 = Monday).
        holidays: Extra closed dates (lunar-calendar holidays of the year).
    """

    timezone: str = "Asia/Ho_Chi_Minh"
    periods: tuple[tuple[dt.time, dt.time], ...] = (
        (dt.time(7, 30), dt.time(11, 30)),
        (dt.time(13, 30), dt.time(17, 0)),
    )
    workdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    holidays: frozenset[dt.date] = frozenset()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_working_day(self, day: dt.date) -> bool:
        return (
            day.isoweekday() in self.workdays
            and (day.month, day.day) not in FIXED_HOLIDAYS
            and day not in self.holidays
        )

    def is_open(self, now: dt.datetime) -> bool:
        local = now.astimezone(self.zone)
        if not self.is_working_day(local.date()):
            return False
        return any(start <= local.time() < end for start, end in self.periods)

    def next_opening(self, now: dt.datetime) -> dt.datetime:
        """The next moment the office opens (``now`` itself if it is open)."""
        local = now.astimezone(self.zone)
        if self.is_open(local):
            return local
        day = local.date()
        for _ in range(30):
            if self.is_working_day(day):
                for start, _end in self.periods:
                    opening = dt.datetime.combine(day, start, tzinfo=self.zone)
                    if opening > local:
                        return opening
            day += dt.timedelta(days=1)
        raise ValueError("no opening within 30 days: check OFFICE_HOURS")
