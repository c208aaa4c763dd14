"""One real Rasa server and one real action server for the whole dialogue test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import DialogueStack, rasa_model_path


@pytest.fixture(scope="session")
def dialogue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DialogueStack]:
    model = rasa_model_path()
    if not model.exists():
        pytest.fail(f"no trained Rasa model at {model}: run `make rasa-model` (make test does)")
    if not (Path(__file__).resolve().parents[3] / "var" / "index" / "manifest.json").exists():
        pytest.fail("no retrieval index in var/index: run `make index` (make test does)")
    stack = DialogueStack(tmp_path_factory.mktemp("dialogue"))
    stack.start(model)
    yield stack
    stack.stop()
