"""``python -m index build``: embed every passage, calibrate the threshold, write the index."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from index.embedders import Embedder, Vectors
from index.evaluation import calibrate, read_questions, run
from index.knowledge import KnowledgeBase
from index.passages import Passage, passages_of
from index.retriever import Retriever
from index.store import Manifest, StoredIndex, flat_index, read_manifest, write_index

logger = logging.getLogger(__name__)

# Used when the knowledge base has no calibration questions (small test fixtures).
FALLBACK_THRESHOLD = 0.85
BATCH = 32


@dataclass(frozen=True)
class BuildReport:
    built: bool
    manifest: Manifest
    folder: Path


def is_current(folder: Path, kb: KnowledgeBase, embedder: Embedder) -> bool:
    """True when ``folder`` already holds an index of this content made with this model."""
    manifest = read_manifest(folder)
    return (
        manifest is not None
        and manifest.content_hash == kb.content_hash
        and manifest.model_id == embedder.model_id
        and (folder / "vectors.faiss").exists()
    )


def build_index(
    kb: KnowledgeBase,
    embedder: Embedder,
    folder: Path,
    *,
    force: bool = False,
    progress: bool = True,
    clock: Callable[[], dt.date] = dt.date.today,
) -> BuildReport:
    """Build the index for ``kb`` into ``folder`` unless an identical one is already there."""
    if not force and is_current(folder, kb, embedder):
        manifest = read_manifest(folder)
        assert manifest is not None
        return BuildReport(built=False, manifest=manifest, folder=folder)
    passages = passages_of(kb)
    vectors = _embed(embedder, passages, progress=progress)
    index = flat_index(vectors)
    draft = Manifest(
        model_id=embedder.model_id,
        dim=int(vectors.shape[1]),
        content_hash=kb.content_hash,
        passages=len(passages),
        articles=len(kb.articles),
        threshold=FALLBACK_THRESHOLD,
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    stored = StoredIndex(manifest=draft, vectors=index, passages=tuple(passages))
    threshold, calibration = FALLBACK_THRESHOLD, {"note": "no calibration questions"}
    if kb.calibration_path.exists():
        retriever = Retriever(kb, embedder, stored, clock=clock)
        outcomes = run(retriever, read_questions(kb.calibration_path))
        try:
            threshold, calibration = calibrate(outcomes)
        except ValueError as exc:
            calibration = {"note": str(exc)}
    manifest = dataclasses.replace(draft, threshold=threshold, calibration=calibration)
    write_index(folder, manifest, index, passages)
    logger.info("built index: %d passages, threshold %.4f", len(passages), threshold)
    return BuildReport(built=True, manifest=manifest, folder=folder)


def _embed(embedder: Embedder, passages: Sequence[Passage], *, progress: bool) -> Vectors:
    """Embed in batches, questions with the query prefix and the rest as passages."""
    dim = embedder.dim
    out = np.zeros((len(passages), dim), dtype=np.float32)
    bar = tqdm(total=len(passages), desc="embedding", unit="passage", disable=not progress)
    with bar:
        for start in range(0, len(passages), BATCH):
            batch = passages[start : start + BATCH]
            queries = [i for i, p in enumerate(batch) if p.is_query_like]
            docs = [i for i, p in enumerate(batch) if not p.is_query_like]
            if queries:
                out[[start + i for i in queries]] = embedder.embed_queries(
                    [batch[i].text for i in queries]
                )
            if docs:
                out[[start + i for i in docs]] = embedder.embed_passages(
                    [batch[i].text for i in docs]
                )
            bar.update(len(batch))
    return out
