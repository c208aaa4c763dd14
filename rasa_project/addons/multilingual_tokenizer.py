"""A tokenizer for the eight languages of the visitor desk.

Alphabetic scripts (Latin with Vietnamese diacritics, Cyrillic) and Hangul are split on
whitespace and punctuation. Chinese and Japanese have no spaces: runs of Han characters are cut
by jieba's dictionary, and Japanese kana runs are cut where the script changes (hiragana /
katakana / Han), which separates particles and loanwords well enough for intent features.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

logger = logging.getLogger(__name__)

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HIRAGANA = r"\u3040-\u309f"
_KATAKANA = r"\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
# One match per token: a Han run, a hiragana run, a katakana run (with the long-vowel mark), or
# a run of other word characters (any alphabet, digits, Hangul), keeping inner hyphens.
_TOKEN = re.compile(
    rf"(?P<han>[{_HAN}]+)"
    rf"|(?P<kana>[{_HIRAGANA}]+|[{_KATAKANA}ー]+)"
    rf"|(?P<word>[^\W_{_HAN}{_HIRAGANA}{_KATAKANA}]+(?:[-'’][^\W_{_HAN}{_HIRAGANA}{_KATAKANA}]+)*)"
)


def split_tokens(text: str) -> list[tuple[str, int]]:
    """Return ``(token, start offset)`` pairs for ``text``."""
    import jieba

    out: list[tuple[str, int]] = []
    for match in _TOKEN.finditer(text):
        if match.group("han"):
            for word, start, _end in jieba.tokenize(match.group("han")):
                if word.strip():
                    out.append((word, match.start() + start))
        else:
            out.append((match.group(0), match.start()))
    return out


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class MultilingualTokenizer(Tokenizer):
    """Whitespace tokens for alphabetic scripts, dictionary and script-boundary tokens for CJK."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @staticmethod
    def supported_languages() -> list[str] | None:
        return None

    @staticmethod
    def required_packages() -> list[str]:
        return ["jieba"]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MultilingualTokenizer:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        return cls(config)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute) or ""
        tokens = [Token(word, start) for word, start in split_tokens(text)]
        if not tokens and text.strip():
            # Only punctuation or symbols: keep the text as one token so featurizers see it.
            stripped = text.strip()
            tokens = [Token(stripped, text.index(stripped))]
        return self._apply_token_pattern(tokens)
