"""How articles become searchable passages.

Each article language contributes:

* its lead paragraph (with the title),
* each ``##`` section (with the title and heading, so a section found alone still says what it
  is about),
* each example question, embedded as a *query* so that visitor questions are compared
  question-to-question, which e5 does well across languages,
* for Vietnamese, the lead, the sections and the example questions once more without
  diacritics, because visitors on phones often type that way and the model reads
  undiacritised Vietnamese poorly.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from index.knowledge import KnowledgeBase


class PassageKind(StrEnum):
    LEAD = "lead"
    SECTION = "section"
    QUESTION = "question"


@dataclass(frozen=True)
class Passage:
    """A piece of an article that gets its own vector.

    Attributes:
        article_id: The article it belongs to.
        lang: The language of the text.
        kind: lead, section or question.
        section: The section index for ``SECTION``; ``None`` otherwise.
        text: The exact text that was embedded (without model prefixes).
    """

    article_id: str
    lang: str
    kind: PassageKind
    section: int | None
    text: str

    @property
    def is_query_like(self) -> bool:
        """Questions are embedded with the query prefix, everything else as passages."""
        return self.kind is PassageKind.QUESTION

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Passage:
        return cls(
            article_id=raw["article_id"],
            lang=raw["lang"],
            kind=PassageKind(raw["kind"]),
            section=raw["section"],
            text=raw["text"],
        )


def passages_of(kb: KnowledgeBase) -> list[Passage]:
    """Every passage of every article, in a stable order."""
    out: list[Passage] = []
    for article_id in sorted(kb.articles):
        for lang in sorted(kb.articles[article_id]):
            article = kb.articles[article_id][lang]
            out.append(
                Passage(
                    article_id, lang, PassageKind.LEAD, None, f"{article.title}. {article.lead}"
                )
            )
            for section in article.sections:
                text = f"{article.title}: {section.title}. {section.text}"
                out.append(Passage(article_id, lang, PassageKind.SECTION, section.index, text))
            seen: set[str] = set()
            for question in article.questions:
                variants = [question]
                if lang == "vi":
                    variants.append(strip_diacritics(question))
                for text in variants:
                    if text not in seen:
                        seen.add(text)
                        out.append(Passage(article_id, lang, PassageKind.QUESTION, None, text))
    return out


def strip_diacritics(text: str) -> str:
    """Remove combining marks and map đ/Đ to d/D, the way people type Vietnamese without them."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", bare.replace("đ", "d").replace("Đ", "D"))
