"""Precision and recall of similar-problem linking on the labelled pairs.

Run: PYTHAINLP_OFFLINE=1 .venv/bin/python -m tests.eval_similar
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from bot import nlp
from bot.nlp.terms import search_terms
from bot.similar import THRESHOLD, similarity

PAIRS = Path(__file__).parent / "data" / "similar_pairs.csv"


@dataclass(frozen=True)
class Scores:
    """What linking gets right on the labelled pairs at one threshold."""

    threshold: float
    precision: float
    recall: float
    true_pos: int
    false_pos: int
    false_neg: int


def scored_pairs() -> list[tuple[bool, str, float]]:
    """(same problem?, kind, similarity) for every labelled pair."""
    out = []
    with PAIRS.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            a = search_terms(nlp.normalize(row["a"]))
            b = search_terms(nlp.normalize(row["b"]))
            out.append((row["same"] == "1", row["kind"], similarity(a, b)))
    return out


def evaluate(threshold: float = THRESHOLD) -> Scores:
    """Precision and recall of `similarity >= threshold` against the labels."""
    pairs = scored_pairs()
    tp = sum(1 for same, _, s in pairs if same and s >= threshold)
    fp = sum(1 for same, _, s in pairs if not same and s >= threshold)
    fn = sum(1 for same, _, s in pairs if same and s < threshold)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return Scores(threshold, precision, recall, tp, fp, fn)


def main() -> None:
    """Print the figures at the chosen threshold and around it."""
    pairs = scored_pairs()
    print(f"{len(pairs)} labelled pairs ({sum(p[0] for p in pairs)} same problem)")
    for threshold in (0.15, 0.2, 0.25, THRESHOLD, 0.35, 0.4):
        s = evaluate(threshold)
        mark = "  <- used" if threshold == THRESHOLD else ""
        print(f"threshold {s.threshold:.2f}: precision {s.precision:.2f} recall {s.recall:.2f} "
              f"(tp {s.true_pos}, fp {s.false_pos}, fn {s.false_neg}){mark}")  # fmt: skip
    for same, kind, s in sorted(pairs, key=lambda p: p[2]):
        if same != (s >= THRESHOLD):
            print(f"  wrong: same={same} kind={kind} similarity={s:.2f}")


if __name__ == "__main__":
    main()
