"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_embedder import TrigramEmbedder
from tests.support.kb_builder import write_article, write_calibration
from tests.support.processes import FullStack, rasa_model_path

REPO = Path(__file__).resolve().parent.parent

WETLAND = {
    "en": (
        "Lang Sen wetland reserve",
        "The Lang Sen wetland reserve is a Ramsar site with lotus fields and water birds.",
        ["Where can I see lotus and water birds?", "wetland reserve birds", "Ramsar site lotus"],
    ),
    "vi": (
        "Khu bảo tồn đất ngập nước Láng Sen",
        "Khu bảo tồn Láng Sen là khu Ramsar với sen và chim nước.",
        ["Xem sen và chim nước ở đâu?", "khu bảo tồn Láng Sen", "đất ngập nước Ramsar"],
    ),
}
PERMITS = {
    "en": (
        "Work permits for foreign employees",
        "Foreign employees need a work permit issued by the provincial labour authority.",
        ["Do foreign employees need a work permit?", "work permit for foreigners", "labour permit"],
    ),
}
VISA = {
    "en": (
        "Electronic visa",
        "An electronic visa (e-visa) is issued online for up to 90 days, single or multiple entry.",
        ["How do I apply for an e-visa online?", "e-visa 90 days", "electronic visa application"],
    ),
}


@pytest.fixture
def trigram() -> TrigramEmbedder:
    return TrigramEmbedder()


@pytest.fixture
def small_kb(tmp_path: Path) -> Path:
    """Three articles: the wetland in all languages, permits and visa in English only."""
    root = tmp_path / "knowledge"
    write_article(root, "lang-sen", topic="tourism", texts=WETLAND)
    write_article(root, "work-permits", topic="investment", texts=PERMITS, langs=["en"])
    write_article(root, "e-visa", topic="tourism", texts=VISA, langs=["en"])
    write_calibration(
        root,
        [
            ("lotus fields and water birds", "en", "lang-sen"),
            ("a permit for foreign employees", "en", "work-permits"),
            ("apply online for an electronic visa", "en", "e-visa"),
            ("chim nước và sen", "vi", "lang-sen"),
            ("quantum chromodynamics lecture", "en", None),
            ("recipe for chocolate cake", "en", None),
            ("football results yesterday", "en", None),
        ],
    )
    return root


def pytest_configure(config: pytest.Config) -> None:
    # Nothing in the test run may reach a model hub: a missing model must fail, not download.
    import os

    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FullStack]:
    """The real Rasa + action server + gateway, started once for every test that needs it."""
    model = rasa_model_path()
    if not model.exists():
        pytest.fail(f"no trained Rasa model at {model}: run `make rasa-model` (make test does)")
    if not (REPO / "var" / "index" / "manifest.json").exists():
        pytest.fail("no retrieval index in var/index: run `make index` (make test does)")
    # Scripted conversations run faster than anyone types, and one Telegram test user talks
    # across many tests: the per-visitor limit would make them depend on the machine's speed.
    # Limits have their own tests (tests/integration/api/test_limits_and_metrics.py, the widget
    # flood test, test_ratelimit.py for the defaults).
    full = FullStack(
        tmp_path_factory.mktemp("stack"),
        extra_env={"RATE_LIMIT_VISITOR_PER_MINUTE": "600", "RATE_LIMIT_VISITOR_BURST": "200"},
    )
    full.start(model)
    yield full
    full.stop()
