"""Contract suites: every storage backend must pass the same tests.

SQLite always runs; PostgreSQL runs where a server is available (``TEST_POSTGRES_URL``, which
``make test`` provides by starting a throw-away server).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.db import create_engine, downgrade, session_factory, sqlite_url, upgrade

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
async def sessions(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    if request.param == "sqlite":
        url = sqlite_url(tmp_path / "contract.db")
    else:
        base = os.environ.get("TEST_POSTGRES_URL")
        if not base:
            pytest.skip("no PostgreSQL server (TEST_POSTGRES_URL): make test starts one")
        url = await _fresh_database(base)
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    yield session_factory(engine)
    await engine.dispose()
    # Migrations must run down cleanly too.
    await asyncio.to_thread(downgrade, url, "base")


async def _fresh_database(base: str) -> str:
    """A new, empty database on the test server, so tests never see each other's rows."""
    name = f"contract_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    async with admin.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return base.rsplit("/", 1)[0] + f"/{name}"
