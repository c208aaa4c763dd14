"""Action tests run against a small knowledge base and the real Rasa domain."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from actions.knowledge_service import KnowledgeService

from index.builder import build_index
from index.knowledge import load_knowledge
from index.retriever import Retriever
from tests.support.fake_embedder import TrigramEmbedder
from tests.support.kb_builder import write_article
from tests.support.rasa_domain import load_domain


@pytest.fixture
def domain() -> dict[str, Any]:
    return load_domain()


@pytest.fixture
def service(small_kb: Path, tmp_path: Path) -> KnowledgeService:
    write_article(
        small_kb,
        "approvals-and-lead-times",
        topic="press",
        langs=["en"],
        overrides={
            "en": {
                "data": {
                    "interview_request_min_working_days": 3,
                    "press_accreditation_min_working_days": 7,
                }
            }
        },
    )
    embedder = TrigramEmbedder()
    build_index(load_knowledge(small_kb), embedder, tmp_path / "ix", progress=False)
    retriever = Retriever.open(
        small_kb, tmp_path / "ix", embedder, clock=lambda: dt.date(2026, 11, 26)
    )
    return KnowledgeService(lambda: retriever)
