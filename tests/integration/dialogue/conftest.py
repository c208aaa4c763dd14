"""Dialogue tests talk to Rasa directly, on the shared stack."""

from __future__ import annotations

import pytest

from tests.support.processes import FullStack


@pytest.fixture(scope="session")
def dialogue(stack: FullStack) -> FullStack:
    return stack
