from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from tests.integration.api.conftest import make_settings
from tests.support.fake_dialogue import FakeDialogue
from tests.support.telegram_standin import BotApiStandIn


@pytest.fixture
def standin() -> Iterator[BotApiStandIn]:
    api = BotApiStandIn()
    api.start()
    yield api
    api.stop()


@pytest.fixture
def dialogue() -> FakeDialogue:
    return FakeDialogue()


@pytest.fixture
def polling_gateway(
    tmp_path: Path, standin: BotApiStandIn, dialogue: FakeDialogue
) -> Iterator[TestClient]:
    settings = make_settings(
        tmp_path, telegram_token=standin.token, telegram_api_base_url=standin.base_url
    )
    with TestClient(create_app(settings, dialogue=dialogue)) as client:
        yield client
