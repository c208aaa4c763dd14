"""Officer authentication: passwords, lockout, sessions and CSRF tokens.

Secrets are random and only their SHA-256 is stored; a session doubles as an API bearer token.
After ``MAX_FAILURES`` wrong passwords in a row an account is locked for ``LOCKOUT``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.models import Officer, Role, utc_now
from bot.core.ports import AuditLog, OfficerStore, PasswordHasher, Session, SessionStore

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
SESSION_LIFETIME = dt.timedelta(hours=8)
MIN_PASSWORD = 12
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")


class AuthError(Exception):
    """Wrong credentials or a locked account; the message never says which part was wrong."""


class AccountLockedError(AuthError):
    def __init__(self, until: dt.datetime) -> None:
        super().__init__("too many failed logins; try again later")
        self.until = until


@dataclass(frozen=True)
class Login:
    token: str
    csrf_token: str
    officer: Officer
    expires_at: dt.datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class OfficerAuth:
    def __init__(
        self,
        *,
        officers: OfficerStore,
        sessions: SessionStore,
        hasher: PasswordHasher,
        audit: AuditLog,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._officers = officers
        self._sessions = sessions
        self._hasher = hasher
        self._audit = audit
        self._clock = clock

    async def create_officer(
        self, username: str, password: str, role: Role, display_name: str | None = None
    ) -> Officer:
        username = username.strip().lower()
        if not USERNAME.match(username):
            raise ValueError("a username has 2-63 lower-case letters, digits, '.', '_' or '-'")
        check_password(password)
        officer = await self._officers.add(
            username=username,
            display_name=(display_name or username).strip()[:120],
            role=role,
            password_hash=await asyncio.to_thread(self._hasher.hash, password),
        )
        await self._audit.record(None, "officer.create", officer.id, {"role": role.value})
        return officer

    async def set_password(self, username: str, password: str) -> Officer:
        """A new password for an existing officer (the ``officer password`` command)."""
        found = await self._officers.credentials(username.strip().lower())
        if found is None:
            raise ValueError(f"no officer {username!r}")
        check_password(password)
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        await self._officers.set_password(found.officer.id, password_hash)
        await self._audit.record(None, "officer.password", found.officer.id)
        return found.officer

    async def login(self, username: str, password: str) -> Login:
        now = self._clock()
        found = await self._officers.credentials(username.strip().lower())
        if found is None or not found.officer.active:
            # Same work as a real check, so timing does not reveal which usernames exist.
            await asyncio.to_thread(self._hasher.verify, _DUMMY_HASH, password)
            raise AuthError("wrong username or password")
        if found.locked_until is not None and found.locked_until > now:
            raise AccountLockedError(found.locked_until)
        # Argon2 takes ~0.1 s of CPU on purpose: off the event loop, or every login would
        # stall every visitor for that long.
        if not await asyncio.to_thread(self._hasher.verify, found.password_hash, password):
            failures = found.failed_logins + 1
            lock = now + LOCKOUT if failures >= MAX_FAILURES else None
            await self._officers.record_failure(found.officer.id, lock_until=lock)
            await self._audit.record(found.officer.id, "officer.login_failed")
            if lock is not None:
                raise AccountLockedError(lock)
            raise AuthError("wrong username or password")
        await self._officers.record_success(found.officer.id)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        expires = now + SESSION_LIFETIME
        await self._sessions.create(
            token_hash=token_hash(token),
            officer_id=found.officer.id,
            csrf_token=csrf,
            expires_at=expires,
        )
        await self._audit.record(found.officer.id, "officer.login")
        return Login(token, csrf, found.officer, expires)

    async def session(self, token: str) -> Session | None:
        if not token or len(token) > 256:
            return None
        session = await self._sessions.get(token_hash(token))
        if session is None or session.expires_at <= self._clock() or not session.officer.active:
            return None
        return session

    async def logout(self, token: str) -> None:
        await self._sessions.delete(token_hash(token))


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password has at least {MIN_PASSWORD} characters")
    if len(set(password)) < 5:
        raise ValueError("a password needs more than a few distinct characters")


# An argon2 hash of a random string, verified for unknown usernames.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$"
    "Q2pW7Sx8l8n2xJ7cV1y8n8mQ3m3bY0mA7qB2sE4uKxE"
)
