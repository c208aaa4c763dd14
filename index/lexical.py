"""Lexical evidence: BM25 over character n-grams of every article, in every language.

Dense vectors from a small model blur names and numbers: "Phúc Long" and "Phước Đông" look
alike to it, and a question typed without diacritics drifts. Character n-grams catch exactly
that, in any script and with typos, so the retriever adds a BM25 score to the dense one.

Terms: text is lower-cased and stripped of diacritics; words in alphabetic scripts give
4-grams of ``#word#`` plus each pair of neighbouring words (so a two-syllable Vietnamese name
such as "tan lap" counts as one distinctive term); runs of Chinese, Japanese or Korean
characters give character bigrams.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np
from numpy.typing import NDArray

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case, Latin letters without diacritics, đ -> d: how a word is typed anywhere.

    Only Latin letters are folded: decomposing Hangul or kana would split syllables into jamo
    and drop Japanese voicing marks, which changes the word.
    """
    out = []
    for char in text.lower():
        code = ord(char)
        if char == "đ":
            out.append("d")
        elif code < 0x250 or 0x1E00 <= code <= 0x1EFF:
            out.append(unicodedata.normalize("NFD", char)[0])
        else:
            out.append(char)
    return "".join(out)


def terms(text: str) -> list[str]:
    """The character n-grams BM25 counts for ``text``."""
    out: list[str] = []
    previous = None
    for word in _WORD.findall(fold(text)):
        if _CJK.search(word):
            out.extend(word[i : i + 2] for i in range(max(1, len(word) - 1)))
            previous = None
            continue
        padded = f"#{word}#"
        out.extend(padded[i : i + 4] for i in range(max(1, len(padded) - 3)))
        if previous is not None:
            out.append(f"{previous}_{word}")
        previous = word
    return out


class LexicalIndex:
    """BM25 with one document per article (all its languages together).

    Args:
        documents: ``{article_id: texts}``; the order of ``article_ids`` fixes the score
            vector's order.
        k1: Term-frequency saturation.
        b: Length normalisation.
    """

    def __init__(
        self, documents: Mapping[str, Iterable[str]], k1: float = 1.2, b: float = 0.75
    ) -> None:
        self.article_ids: tuple[str, ...] = tuple(sorted(documents))
        counts = [
            Counter(t for text in documents[a] for t in terms(text)) for a in self.article_ids
        ]
        lengths = np.array([sum(c.values()) for c in counts], dtype=np.float64)
        avg = float(lengths.mean()) if len(lengths) else 1.0
        n = len(counts)
        df: Counter[str] = Counter(t for c in counts for t in c)
        # postings: term -> (document rows, precomputed BM25 term weights)
        self._postings: dict[str, tuple[NDArray[np.intp], NDArray[np.float64]]] = {}
        rows: dict[str, list[int]] = {}
        weights: dict[str, list[float]] = {}
        for row, (c, length) in enumerate(zip(counts, lengths, strict=True)):
            norm = k1 * (1 - b + b * length / avg)
            for term, tf in c.items():
                idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
                rows.setdefault(term, []).append(row)
                weights.setdefault(term, []).append(idf * tf * (k1 + 1) / (tf + norm))
        for term, r in rows.items():
            self._postings[term] = (np.array(r, dtype=np.intp), np.array(weights[term]))

    def scores(self, query: str) -> NDArray[np.float64]:
        """BM25 of ``query`` against every article, in ``article_ids`` order."""
        return self._bm25(query)[0]

    def normalised_scores(self, query: str) -> NDArray[np.float64]:
        """BM25 divided by the best score each query term could reach, so 0 to 1.

        Raw BM25 grows with the number of terms a script produces (a Latin sentence yields
        more n-grams than a Korean one), which would favour some languages; the ratio does not.
        """
        raw, best = self._bm25(query)
        return raw / best if best > 0 else raw

    def _bm25(self, query: str) -> tuple[NDArray[np.float64], float]:
        """The scores, and the best score the query's terms could reach together."""
        out = np.zeros(len(self.article_ids), dtype=np.float64)
        best = 0.0
        for term in set(terms(query)):
            posting = self._postings.get(term)
            if posting is not None:
                np.add.at(out, posting[0], posting[1])
                best += float(posting[1].max())
        return out, best
