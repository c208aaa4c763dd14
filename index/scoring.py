"""How dense and lexical evidence combine into one score, and what that score depends on.

Bump :data:`SCORING_VERSION` whenever the formula or a weight changes: the calibrated
threshold of every built index then counts as stale and ``index build`` recalibrates it
(without embedding again).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from index.knowledge import KnowledgeBase

SCORING_VERSION = "6"

# Chosen on the calibration questions (knowledge/_eval/calibration.jsonl): example questions
# and article content count equally, and normalised BM25 (0 to 1) nudges the ranking towards
# articles that share names and numbers with the question.
QUESTION_WEIGHT = 0.5
CONTENT_WEIGHT = 0.5
LEXICAL_WEIGHT = 0.08


# An absolute threshold above any reachable score: the absolute rule is off.
ABSOLUTE_OFF = 9.0


@dataclass(frozen=True)
class Thresholds:
    """When the best article is good enough to answer with.

    Two rules, either suffices:

    * ``relative``: the article stands out from the rest of the knowledge base (its fused score
      minus the mean over all articles). This rejects questions that are vaguely close to
      everything, which is what out-of-scope questions about similar topics look like.
    * ``absolute``: the fused score itself is very high. Questions about what every article
      mentions ("is Long An still a province?") are close to everything too, yet answered by
      one article almost word for word; the relative rule alone would turn them away.
    """

    relative: float
    absolute: float = ABSOLUTE_OFF

    def accepts(self, relative: float, absolute: float) -> bool:
        return relative >= self.relative or absolute >= self.absolute


def calibration_hash(kb: KnowledgeBase) -> str:
    """Digest of what the threshold depends on besides the vectors."""
    digest = hashlib.sha256(f"scoring={SCORING_VERSION}\n".encode())
    if kb.calibration_path.exists():
        digest.update(kb.calibration_path.read_bytes())
    return digest.hexdigest()
