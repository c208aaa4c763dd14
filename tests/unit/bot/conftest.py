from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from tests.support.fake_dialogue import FakeDialogue
from tests.support.gateway import OPEN_TIME, Gateway, build_gateway

MakeGateway = Callable[..., Awaitable[Gateway]]


@pytest.fixture
async def make_gateway(tmp_path: Path) -> AsyncIterator[MakeGateway]:
    made: list[Gateway] = []

    async def make(dialogue: FakeDialogue | None = None, now: dt.datetime = OPEN_TIME) -> Gateway:
        gateway = await build_gateway(tmp_path / f"gw{len(made)}", dialogue, now)
        made.append(gateway)
        return gateway

    yield make
    for gateway in made:
        await gateway.engine.dispose()
