"""The built index on disk: FAISS vectors, passage metadata and a manifest.

Layout of an index folder (``var/index/`` by default)::

    manifest.json    model id, dimension, content hash, thresholds, counts
    vectors.faiss    inner-product FAISS index over L2-normalised vectors
    passages.json    one record per vector, same order

A folder is written under a temporary name and renamed into place, so a reader never sees a
half-written index.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from numpy.typing import NDArray

from index.embedders import Vectors
from index.errors import MismatchedIndexError, MissingIndexError, StaleIndexError
from index.passages import Passage
from index.scoring import ABSOLUTE_OFF

INDEX_FORMAT = 1
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
PASSAGES = "passages.json"
REBUILD_HINT = "run `.venv/bin/python -m index build` (or `make index`)"


@dataclass(frozen=True)
class Manifest:
    """What an index was built from and how it decides "answerable"."""

    model_id: str
    dim: int
    content_hash: str
    passages: int
    articles: int
    threshold: float
    built_at: str
    absolute_threshold: float = ABSOLUTE_OFF
    calibration_hash: str = ""
    calibration: dict[str, Any] = field(default_factory=dict)
    format: int = INDEX_FORMAT

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        raw = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return cls(**raw)


@dataclass(frozen=True)
class StoredIndex:
    """A loaded index: the FAISS structure plus the passage behind each row."""

    manifest: Manifest
    vectors: Any  # faiss.IndexFlatIP
    passages: tuple[Passage, ...]

    def similarities(self, query: Vectors) -> NDArray[np.float64]:
        """Similarity of ``query`` to every passage, indexed by passage row."""
        n = len(self.passages)
        out = np.full(n, -1.0, dtype=np.float64)
        if n == 0:
            return out
        scores, rows = self.vectors.search(query.reshape(1, -1).astype(np.float32), n)
        found = rows[0] >= 0
        out[rows[0][found]] = scores[0][found]
        return out


def flat_index(vectors: Vectors) -> Any:
    """An exact inner-product index; at a few thousand passages nothing approximate is needed."""
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Replace only the manifest (after a recalibration), atomically."""
    tmp = folder / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
    os.replace(tmp, folder / MANIFEST)


def write_index(folder: Path, manifest: Manifest, index: Any, passages: list[Passage]) -> None:
    """Write an index folder atomically (temporary sibling, then rename)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        faiss.write_index(index, str(tmp / VECTORS))
        (tmp / PASSAGES).write_text(
            json.dumps([p.to_json() for p in passages], ensure_ascii=False), encoding="utf-8"
        )
        (tmp / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
        old = folder.with_name(f".{folder.name}-old")
        if folder.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(folder, old)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def read_manifest(folder: Path) -> Manifest | None:
    """The manifest of a built index, or ``None`` if there is none (or it is unreadable)."""
    try:
        return Manifest.read(folder)
    except (OSError, ValueError, TypeError):
        return None


def load_index(
    folder: Path, *, content_hash: str, model_id: str, calibration_hash: str | None = None
) -> StoredIndex:
    """Load an index, refusing one that does not match the knowledge base or the model.

    ``calibration_hash``, when given, must match too: a threshold calibrated with other
    questions or another scoring is as stale as old vectors.

    Raises:
        MissingIndexError: nothing has been built in ``folder``.
        MismatchedIndexError: built with another model or an older format.
        StaleIndexError: the knowledge base changed since the build.
    """
    manifest = read_manifest(folder)
    if manifest is None or not (folder / VECTORS).exists():
        raise MissingIndexError(f"no index in {folder}: {REBUILD_HINT}")
    if manifest.format != INDEX_FORMAT:
        raise MismatchedIndexError(
            f"index in {folder} has format {manifest.format}, this code reads {INDEX_FORMAT}: "
            f"{REBUILD_HINT}"
        )
    if manifest.model_id != model_id:
        raise MismatchedIndexError(
            f"index in {folder} was built with {manifest.model_id!r} but the configured "
            f"embedder is {model_id!r}: {REBUILD_HINT} with the same EMBEDDER"
        )
    if manifest.content_hash != content_hash:
        raise StaleIndexError(
            f"index in {folder} is stale: the knowledge base changed since it was built "
            f"({manifest.built_at}): {REBUILD_HINT}"
        )
    if calibration_hash is not None and manifest.calibration_hash != calibration_hash:
        raise StaleIndexError(
            f"the answer threshold in {folder} was calibrated with other questions or another "
            f"scoring: {REBUILD_HINT} (only the calibration is redone)"
        )
    return read_vectors(folder, manifest)


def read_vectors(folder: Path, manifest: Manifest) -> StoredIndex:
    """Read the vectors and passages of an index folder whose manifest is already checked."""
    vectors = faiss.read_index(str(folder / VECTORS))
    raw = json.loads((folder / PASSAGES).read_text(encoding="utf-8"))
    passages = tuple(Passage.from_json(r) for r in raw)
    if vectors.ntotal != len(passages) or vectors.d != manifest.dim:
        raise MismatchedIndexError(f"index in {folder} is damaged: {REBUILD_HINT}")
    return StoredIndex(manifest=manifest, vectors=vectors, passages=passages)
