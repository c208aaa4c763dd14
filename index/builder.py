"""``python -m index build``: embed every passage, calibrate the threshold, write the index.

Embedding is the slow part (minutes on two cores), calibration takes seconds. A build therefore
re-embeds only when the articles or the model changed; when only the calibration questions or
the scoring changed, it reuses the stored vectors and recalibrates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from index.embedders import Embedder, Vectors
from index.evaluation import calibrate, read_questions, run
from index.knowledge import KnowledgeBase
from index.passages import Passage, passages_of
from index.retriever import Retriever
from index.scoring import Thresholds, calibration_hash
from index.store import (
    VECTORS,
    Manifest,
    StoredIndex,
    flat_index,
    read_manifest,
    read_vectors,
    write_index,
    write_manifest,
)

logger = logging.getLogger(__name__)

# Used when the knowledge base has no calibration questions (small test fixtures).
FALLBACK_THRESHOLD = 0.05
BATCH = 32


class BuildAction(StrEnum):
    NOTHING = "up to date"
    RECALIBRATED = "recalibrated"
    BUILT = "built"


@dataclass(frozen=True)
class BuildReport:
    action: BuildAction
    manifest: Manifest
    folder: Path

    @property
    def built(self) -> bool:
        return self.action is not BuildAction.NOTHING


def build_index(
    kb: KnowledgeBase,
    embedder: Embedder,
    folder: Path,
    *,
    force: bool = False,
    progress: bool = True,
    clock: Callable[[], dt.date] = dt.date.today,
) -> BuildReport:
    """Bring the index in ``folder`` up to date with ``kb`` and ``embedder``."""
    manifest = read_manifest(folder)
    vectors_current = (
        not force
        and manifest is not None
        and manifest.content_hash == kb.content_hash
        and manifest.model_id == embedder.model_id
        and (folder / VECTORS).exists()
    )
    wanted_calibration = calibration_hash(kb)
    if vectors_current:
        assert manifest is not None
        if manifest.calibration_hash == wanted_calibration:
            return BuildReport(BuildAction.NOTHING, manifest, folder)
        stored = read_vectors(folder, manifest)
        thresholds, summary = _calibrate(kb, embedder, stored, clock)
        manifest = dataclasses.replace(
            manifest,
            threshold=thresholds.relative,
            absolute_threshold=thresholds.absolute,
            calibration=summary,
            calibration_hash=wanted_calibration,
        )
        write_manifest(folder, manifest)
        logger.info("recalibrated index: thresholds %s", thresholds)
        return BuildReport(BuildAction.RECALIBRATED, manifest, folder)

    passages = passages_of(kb)
    reusable = _previous_vectors(folder, manifest, embedder) if not force else {}
    vectors = _embed(embedder, passages, progress=progress, known=reusable)
    index = flat_index(vectors)
    draft = Manifest(
        model_id=embedder.model_id,
        dim=int(vectors.shape[1]),
        content_hash=kb.content_hash,
        passages=len(passages),
        articles=len(kb.articles),
        threshold=FALLBACK_THRESHOLD,
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        calibration_hash=wanted_calibration,
    )
    stored = StoredIndex(manifest=draft, vectors=index, passages=tuple(passages))
    thresholds, summary = _calibrate(kb, embedder, stored, clock)
    manifest = dataclasses.replace(
        draft,
        threshold=thresholds.relative,
        absolute_threshold=thresholds.absolute,
        calibration=summary,
    )
    write_index(folder, manifest, index, passages)
    logger.info("built index: %d passages, thresholds %s", len(passages), thresholds)
    return BuildReport(BuildAction.BUILT, manifest, folder)


def _calibrate(
    kb: KnowledgeBase, embedder: Embedder, stored: StoredIndex, clock: Callable[[], dt.date]
) -> tuple[Thresholds, dict[str, Any]]:
    fallback = Thresholds(FALLBACK_THRESHOLD)
    if not kb.calibration_path.exists():
        return fallback, {"note": "no calibration questions"}
    retriever = Retriever(kb, embedder, stored, thresholds=fallback, clock=clock)
    outcomes = run(retriever, read_questions(kb.calibration_path))
    try:
        return calibrate(outcomes)
    except ValueError as exc:
        return fallback, {"note": str(exc)}


def _previous_vectors(
    folder: Path, manifest: Manifest | None, embedder: Embedder
) -> dict[tuple[bool, str], Vectors]:
    """Vectors of the last build made with the same model, keyed by (is query, text).

    Editing one article then re-embeds only that article's passages instead of the whole base.
    """
    if manifest is None or manifest.model_id != embedder.model_id:
        return {}
    try:
        stored = read_vectors(folder, manifest)
        matrix = stored.vectors.reconstruct_n(0, len(stored.passages))
    except (OSError, ValueError, RuntimeError):
        return {}
    return {(p.is_query_like, p.text): matrix[i] for i, p in enumerate(stored.passages)}


def _embed(
    embedder: Embedder,
    passages: Sequence[Passage],
    *,
    progress: bool,
    known: dict[tuple[bool, str], Vectors] | None = None,
) -> Vectors:
    """Embed in batches, questions with the query prefix and the rest as passages."""
    dim = embedder.dim
    out = np.zeros((len(passages), dim), dtype=np.float32)
    known = known or {}
    todo = []
    for i, passage in enumerate(passages):
        vector = known.get((passage.is_query_like, passage.text))
        if vector is not None and vector.shape == (dim,):
            out[i] = vector
        else:
            todo.append(i)
    if len(todo) < len(passages):
        logger.info("reusing %d vectors, embedding %d", len(passages) - len(todo), len(todo))
    bar = tqdm(total=len(todo), desc="embedding", unit="passage", disable=not progress)
    with bar:
        for start in range(0, len(todo), BATCH):
            rows = todo[start : start + BATCH]
            batch = [passages[i] for i in rows]
            queries = [i for i, p in enumerate(batch) if p.is_query_like]
            docs = [i for i, p in enumerate(batch) if not p.is_query_like]
            if queries:
                out[[rows[i] for i in queries]] = embedder.embed_queries(
                    [batch[i].text for i in queries]
                )
            if docs:
                out[[rows[i] for i in docs]] = embedder.embed_passages(
                    [batch[i].text for i in docs]
                )
            bar.update(len(batch))
    return out
