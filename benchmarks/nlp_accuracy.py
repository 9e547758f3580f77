"""Accuracy of the Thai NLP triage, per labelled set and per category.

Run: PYTHAINLP_OFFLINE=1 .venv/bin/python benchmarks/nlp_accuracy.py [-v] [--cv]

Two sets, one message per row: ``category<TAB>kind<TAB>text``.
- tuning: bot/data/nlp_category_examples.tsv (347 rows).  The lexicon was written and then
  corrected while looking at these rows' errors, and the naive Bayes model is trained on
  them, so their figure is not a measure of generalisation.  ``--cv`` gives the one honest
  figure on them: 10-fold cross-validation of the model (the lexicon stays as it is).
- held-out: tests/data/categories_heldout.tsv, rows written after the last lexicon and
  model change and never used to change either; see its header for when and how.  When a
  change is made after looking at its errors, those rows move to the tuning set and a new
  held-out file is written.
- ``kind`` is what the message mainly is: "obstacle" when it raises a problem that
  needs attention (also when it first reports an activity), "progress" otherwise
  (also when it reports that an earlier problem has been solved).
- ``category`` of an obstacle is the problem's topic; that is what the bot suggests,
  and it is the accuracy figure that matters.  For a progress row it is the topic of
  the activity when it has one (a drug-prevention camp is "drugs") and "other" for
  generic activities; progress rows are reported separately, for information only.

History of the tuning set, so that the figures can be read honestly:
- rows 1-144 were written after the first lexicon; the first run on them gave category
  83.6% and kind 68.1%; generic fixes (matching rules, compounds, negation scope) brought
  them to 89.1% / 89.6%.
- rows 145-194 were written after that, and measured once before any further change:
  category 87.5% (35/40 obstacle rows), top-2 97.5%, kind 96% (48/50).
- issue 13: 88.7% on all 194 (security 78.9%).  The lexicon was widened by meaning
  (synonyms, Deep-South and Patani Malay vocabulary, colloquial forms; core security words
  weigh more than their consequences) and a naive Bayes model added: 98.0% on the 194
  (tuned and trained on them), 96.0% in 10-fold cross-validation of the model.
- rows 195-275 were written after that change (commit 2967563) as the first held-out set
  and measured once: category 87.7% (71/81; security 9/11, coordination and participation
  8/10 each), top-2 96.3%, kind 82.7%.  Below the 90% goal, so they were looked at: their
  errors led to a few more terms by meaning (curfew and "asking for" someone phrasings,
  mud roads, syringes, turnout) and the rows joined the tuning set; the model now learns
  from them too.  Cross-validation on the 275 rows: lexicon alone 93.9%, with the model
  (weight 1.0) 96.5%.  A second held-out file was written after that.
- rows 276-347 were that second held-out set (written after commit 819d15d), measured once:
  category 80.6% (58/72; security, participation and livelihood 6/9 each), top-2 91.7%,
  kind 83.3%.  Below the goal again: looked at, a few terms by meaning (caltrops and tyre
  burning, checkpoints weigh as much as other security words, job hunting, e-cigarettes,
  haze, weddings, surgery), rows joined the tuning set (cross-validation on the 347 rows:
  lexicon alone 92.4%, with the model 95.4%), and a third held-out set was written.
- the third held-out set (64 rows, tests/data/categories_heldout.tsv, written after commit
  20c3e1b) measured once: category 95.3% (61/64), top-2 98.4%, kind 89.1%.  After that
  run (its three misses had been printed: participation -> other, livelihood -> budget,
  other -> infrastructure), security's core words (threats, searches, curfews, checkpoints)
  went to weight 4 and who-is-affected words (women, youth, leaders, "don't dare") were
  weakened.  That change came from new test sentences for the issue's rule that such
  reports are security even when told through their effect on turnout
  (tests/test_nlp_categories.py), not from the held-out misses, and it was checked on the
  tuning set; held-out still 95.3% after it, tuning 98.0%, cross-validation 96.0%.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.nlp import CATEGORIES, analyze  # noqa: E402
from bot.nlp.bayes import EXAMPLES, load_examples  # noqa: E402

HELD_OUT = ROOT / "tests" / "data" / "categories_heldout.tsv"
SETS = {"tuning": EXAMPLES, "held-out": HELD_OUT}


def load_rows(path: Path = EXAMPLES) -> list[tuple[str, str, str]]:
    """Return (category, kind, text) rows from a labelled set ('#' lines are comments)."""
    return load_examples(path)


def cross_validate(
    weights: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 3.0), folds: int = 10
) -> dict[float, float]:
    """Category accuracy on the tuning set's obstacle rows, the model trained without each fold."""
    from bot.nlp import normalize
    from bot.nlp.bayes import train
    from bot.nlp.classify import rank_categories
    from bot.nlp.lexicon import load_entries
    from bot.nlp.tokenizer import segment_normalized
    from bot.nlp.view import TextView

    rows, lexicon = load_rows(EXAMPLES), load_entries("nlp_categories.txt")
    views = [TextView(segment_normalized(normalize(t)), normalize(t)) for _, _, t in rows]
    right = dict.fromkeys(weights, 0)
    total = 0
    for k in range(folds):
        model = train([r for i, r in enumerate(rows) if i % folds != k], CATEGORIES, lexicon)
        for i, (category, kind, _) in enumerate(rows):
            if i % folds == k and kind == "obstacle":
                total += 1
                for w in weights:
                    right[w] += rank_categories(views[i], model, w)[0] == category
    return {w: n / total for w, n in right.items()}


def evaluate(rows: list[tuple[str, str, str]]) -> dict[str, object]:
    """Analyse every row and collect the accuracy figures."""
    confusion: Counter[tuple[str, str]] = Counter()
    progress_topic = kind_ok = top2 = 0
    per_conf: list[tuple[float, bool]] = []
    misses: list[str] = []
    for category, kind, text in rows:
        result = analyze(text)
        kind_ok += result.kind == kind
        if kind == "obstacle":
            confusion[(category, result.category)] += 1
            top2 += category in result.ranked_categories[:2]
            per_conf.append((result.confidence, result.category == category))
            if result.category != category:
                misses.append(
                    f"  {category:>14} -> {result.category:<14} {result.confidence:.2f}  {text}"
                )
        else:
            progress_topic += result.category == category
    obstacles = sum(confusion.values())
    correct = sum(n for (gold, got), n in confusion.items() if gold == got)
    return {
        "rows": len(rows),
        "obstacles": obstacles,
        "category_accuracy": correct / obstacles if obstacles else 0.0,
        "top2_accuracy": top2 / obstacles if obstacles else 0.0,
        "kind_accuracy": kind_ok / len(rows) if rows else 0.0,
        "progress_topic_accuracy": progress_topic / (len(rows) - obstacles or 1),
        "confusion": confusion,
        "per_conf": per_conf,
        "misses": misses,
    }


def report(name: str, path: Path) -> None:
    """Print one set's figures."""
    res = evaluate(load_rows(path))
    print(f"\n=== {name}: {path.relative_to(ROOT)} ===")
    confusion: Counter[tuple[str, str]] = res["confusion"]  # type: ignore[assignment]
    print(f"rows: {res['rows']}  obstacle rows: {res['obstacles']}")
    print(f"category accuracy (obstacle rows): {res['category_accuracy']:.1%}")
    print(f"category in top 2 (obstacle rows):  {res['top2_accuracy']:.1%}")
    print(f"kind accuracy (all rows):           {res['kind_accuracy']:.1%}")
    print(f"topic of progress rows (info only): {res['progress_topic_accuracy']:.1%}")
    print("\nper category (obstacle rows): correct/total, most common wrong guess")
    for code in CATEGORIES:
        total = sum(n for (gold, _), n in confusion.items() if gold == code)
        ok = confusion[(code, code)]
        wrong = Counter({got: n for (gold, got), n in confusion.items() if gold == code != got})
        worst = ", ".join(f"{got} {n}" for got, n in wrong.most_common(2)) or "-"
        print(f"  {code:<15} {ok:>2}/{total:<2} {ok / total if total else 0:6.1%}   {worst}")
    print("\nconfusion (rows = label, columns = guess):")
    print(" " * 15 + "".join(f"{c[:6]:>7}" for c in CATEGORIES))
    for gold in CATEGORIES:
        print(f"{gold:<15}" + "".join(f"{confusion[(gold, got)] or '.':>7}" for got in CATEGORIES))
    print("\naccuracy by confidence (obstacle rows):")
    per_conf: list[tuple[float, bool]] = res["per_conf"]  # type: ignore[assignment]
    for lo, hi in ((0.0, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.01)):
        bucket = [ok for conf, ok in per_conf if lo <= conf < hi]
        if bucket:
            print(
                f"  {lo:.1f}-{min(hi, 1.0):.1f}: {sum(bucket)}/{len(bucket)} = {sum(bucket) / len(bucket):.0%}"
            )
    if "-v" in sys.argv:
        print("\nmisses:")
        print("\n".join(res["misses"]))  # type: ignore[arg-type]


def main() -> None:
    """Print the figures of every set (and the cross-validation with --cv)."""
    for name, path in SETS.items():
        if path.exists():
            report(name, path)
    if "--cv" in sys.argv:
        print("\n10-fold cross-validation on the tuning set (model weight: accuracy):")
        for weight, acc in cross_validate().items():
            print(f"  {weight:>4}: {acc:.1%}")


if __name__ == "__main__":
    main()
