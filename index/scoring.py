"""How dense and lexical evidence combine into one score, and what that score depends on.

Bump :data:`SCORING_VERSION` whenever the formula or a weight changes: the calibrated
threshold of every built index then counts as stale and ``index build`` recalibrates it
(without embedding again).
"""

from __future__ import annotations

import hashlib

from index.knowledge import KnowledgeBase

SCORING_VERSION = "4"

# Chosen on the calibration questions (knowledge/_eval/calibration.jsonl): example questions
# and article content count equally, and normalised BM25 (0 to 1) nudges the ranking towards
# articles that share names and numbers with the question.
QUESTION_WEIGHT = 0.5
CONTENT_WEIGHT = 0.5
LEXICAL_WEIGHT = 0.08


def calibration_hash(kb: KnowledgeBase) -> str:
    """Digest of what the threshold depends on besides the vectors."""
    digest = hashlib.sha256(f"scoring={SCORING_VERSION}\n".encode())
    if kb.calibration_path.exists():
        digest.update(kb.calibration_path.read_bytes())
    return digest.hexdigest()
