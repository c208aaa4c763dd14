"""Officer accounts, their sessions and the audit log."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from bot.core.models import Officer, Role, utc_now
from bot.core.ports import OfficerCredentials, Session
from bot.storage.mapping import Sessions, to_officer
from bot.storage.tables import AuditRow, OfficerRow, OfficerSessionRow


class DuplicateUsernameError(ValueError):
    pass


class SqlOfficerStore:
    def __init__(self, sessions: Sessions, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self._sessions = sessions
        self._clock = clock

    async def add(
        self, *, username: str, display_name: str, role: Role, password_hash: str
    ) -> Officer:
        row = OfficerRow(
            id=secrets.token_hex(8),
            username=username,
            display_name=display_name,
            role=role.value,
            password_hash=password_hash,
            active=True,
            failed_logins=0,
            created_at=self._clock(),
        )
        try:
            async with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError as exc:
            raise DuplicateUsernameError(f"username {username!r} is taken") from exc
        return to_officer(row)

    async def get(self, officer_id: str) -> Officer | None:
        async with self._sessions() as session:
            row = await session.get(OfficerRow, officer_id)
            return to_officer(row) if row else None

    async def credentials(self, username: str) -> OfficerCredentials | None:
        async with self._sessions() as session:
            row = await session.scalar(select(OfficerRow).where(OfficerRow.username == username))
            if row is None:
                return None
            return OfficerCredentials(
                to_officer(row), row.password_hash, row.failed_logins, row.locked_until
            )

    async def everyone(self) -> list[Officer]:
        async with self._sessions() as session:
            rows = await session.scalars(select(OfficerRow).order_by(OfficerRow.username))
            return [to_officer(r) for r in rows]

    async def record_failure(self, officer_id: str, *, lock_until: dt.datetime | None) -> None:
        values: dict[str, Any] = {"failed_logins": OfficerRow.failed_logins + 1}
        if lock_until is not None:
            values = {"failed_logins": 0, "locked_until": lock_until}
        async with self._sessions.begin() as session:
            await session.execute(
                update(OfficerRow).where(OfficerRow.id == officer_id).values(**values)
            )

    async def record_success(self, officer_id: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(OfficerRow)
                .where(OfficerRow.id == officer_id)
                .values(failed_logins=0, locked_until=None)
            )

    async def set_password(self, officer_id: str, password_hash: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(OfficerRow)
                .where(OfficerRow.id == officer_id)
                .values(password_hash=password_hash, failed_logins=0, locked_until=None)
            )
            # A new password ends every existing session.
            await session.execute(
                delete(OfficerSessionRow).where(OfficerSessionRow.officer_id == officer_id)
            )

    async def link_telegram(self, officer_id: str, telegram_user_id: int | None) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(OfficerRow)
                .where(OfficerRow.id == officer_id)
                .values(telegram_user_id=telegram_user_id)
            )

    async def by_telegram(self, telegram_user_id: int) -> Officer | None:
        async with self._sessions() as session:
            row = await session.scalar(
                select(OfficerRow).where(OfficerRow.telegram_user_id == telegram_user_id)
            )
            return to_officer(row) if row else None

    async def count(self, role: Role | None = None) -> int:
        query = select(func.count()).select_from(OfficerRow).where(OfficerRow.active.is_(True))
        if role is not None:
            query = query.where(OfficerRow.role == role.value)
        async with self._sessions() as session:
            return int(await session.scalar(query) or 0)


class SqlSessionStore:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def create(
        self, *, token_hash: str, officer_id: str, csrf_token: str, expires_at: dt.datetime
    ) -> None:
        async with self._sessions.begin() as session:
            session.add(
                OfficerSessionRow(
                    token_hash=token_hash,
                    officer_id=officer_id,
                    csrf_token=csrf_token,
                    created_at=utc_now(),
                    expires_at=expires_at,
                )
            )

    async def get(self, token_hash: str) -> Session | None:
        async with self._sessions() as session:
            found = await session.execute(
                select(OfficerSessionRow, OfficerRow)
                .join(OfficerRow, OfficerRow.id == OfficerSessionRow.officer_id)
                .where(OfficerSessionRow.token_hash == token_hash)
            )
            pair = found.first()
            if pair is None:
                return None
            row, officer = pair
            return Session(to_officer(officer), row.csrf_token, row.expires_at)

    async def delete(self, token_hash: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                delete(OfficerSessionRow).where(OfficerSessionRow.token_hash == token_hash)
            )


class SqlAuditLog:
    def __init__(self, sessions: Sessions, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self._sessions = sessions
        self._clock = clock

    async def record(
        self,
        officer_id: str | None,
        action: str,
        target: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        async with self._sessions.begin() as session:
            session.add(
                AuditRow(
                    officer_id=officer_id,
                    action=action,
                    target=target,
                    detail=dict(detail) if detail else None,
                    created_at=self._clock(),
                )
            )

    async def recent(self, limit: int = 200) -> list[dict[str, Any]]:
        async with self._sessions() as session:
            rows = await session.scalars(select(AuditRow).order_by(AuditRow.id.desc()).limit(limit))
            return [
                {
                    "id": r.id,
                    "officer_id": r.officer_id,
                    "action": r.action,
                    "target": r.target,
                    "detail": r.detail,
                    "created_at": r.created_at.isoformat(),
                }
                for r in rows
            ]
