"""Every field ``bot.nlp.analyze`` reads, for a few thousand texts: to show a speed-up changed none.

Run: PYTHAINLP_OFFLINE=1 .venv/bin/python benchmarks/nlp_outputs.py dump before.jsonl
     (change the code)
     PYTHAINLP_OFFLINE=1 .venv/bin/python benchmarks/nlp_outputs.py compare before.jsonl

The texts: the workload's report texts (raw and as the inbound benchmark dates them), the
labelled examples, the held-out rows, the similarity pairs, every Thai string literal in
the tests, and misspelt copies of all of them (a letter dropped or doubled, a tone mark,
a space or a face typed), plus pairs of them joined (longer messages, more clauses).
Each text is analysed twice, reading the fields in opposite orders, and both must agree:
the fields are worked out lazily and one must never depend on which was asked for first.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.workload import TEXTS, dated  # noqa: E402


def _thai_literals(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if any("\u0e01" <= c <= "\u0e5b" for c in node.value):
                out.append(node.value)
    return out


def _encodable(text: str) -> bool:
    # A test feeds a lone surrogate to the normaliser on purpose; nlpo3 cannot take one.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _misspelt(text: str, rnd: random.Random) -> str:
    chars = list(text)
    k = rnd.randrange(len(chars))
    op = rnd.randrange(6)
    if op == 0:
        del chars[k]
    elif op == 1:
        chars.insert(k, chars[k])
    else:
        chars.insert(k, ("\u0e48", " ", "\u0e49", "😢" if rnd.random() < 0.5 else "👍")[op - 2])
    return "".join(chars)


def texts() -> list[str]:
    """The texts compared, always the same ones in the same order."""
    from bot.nlp.bayes import load_examples

    base = [t for t, _, _ in TEXTS]
    base += [dated(t, n) for n in range(6) for t, _, _ in TEXTS]
    base += [t for _, _, t in load_examples()]
    base += [t for _, _, t in load_examples(ROOT / "tests" / "data" / "categories_heldout.tsv")]
    with (ROOT / "tests" / "data" / "similar_pairs.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            base += [row["a"], row["b"]]
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        base += _thai_literals(path)
    base = list(dict.fromkeys(t for t in base if t.strip() and _encodable(t)))
    rnd = random.Random(20261201)
    out = list(base)
    for text in base:
        for _ in range(4):
            out.append(_misspelt(text, rnd))
    for _ in range(len(base)):
        out.append(rnd.choice(base) + rnd.choice((" ", "\n", "")) + rnd.choice(base))
    out += ["", " ", "hello world", "30 people came", "😢", "ไม่", "ๆ", "๓๐ คน", "a" * 50]
    return out


def record(text: str) -> dict[str, object]:
    """Every field, read in two orders (they must agree)."""
    from bot.nlp import analyze, suggest_category
    from bot.nlp.terms import search_terms

    a = analyze(text)
    fields = a.to_json_dict()
    fields.update(
        kind_confidence=a.kind_confidence,
        raw_confidence=a.confidence,
        ranked_categories=list(a.ranked_categories),
        search_terms=list(search_terms(a.normalized, a.tokens)),
        normalized=a.normalized,
    )
    b = analyze(text)  # the other way round: keywords, count, kind, then category
    other = {
        "keywords": list(b.keywords),
        "participants": b.participants,
        "kind": b.kind,
        "kind_confidence": b.kind_confidence,
        "ranked_categories": list(b.ranked_categories),
        "raw_confidence": b.confidence,
    }
    for key, value in other.items():
        if fields[key] != value:
            raise AssertionError(f"{key} depends on the order fields are read in")
    best, confidence, ranked = suggest_category(text)
    fields["suggest"] = [best, confidence, ranked]
    fields["suggest_tokens"] = list(suggest_category(a.tokens))
    return fields


def main() -> None:
    """Dump the outputs, or compare them with a dump."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("dump", "compare"))
    parser.add_argument("path", type=Path)
    args = parser.parse_args()
    from bot.nlp import warm_up

    warm_up()
    all_texts = texts()
    lines = [json.dumps(record(t), ensure_ascii=False, sort_keys=True) for t in all_texts]
    if args.mode == "dump":
        args.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{len(lines)} texts dumped to {args.path}")
        return
    want = args.path.read_text(encoding="utf-8").splitlines()
    if len(want) != len(lines):
        sys.exit(f"{len(want)} texts in the dump, {len(lines)} now")
    differ = [k for k, (w, g) in enumerate(zip(want, lines, strict=True)) if w != g]
    for k in differ[:5]:
        print(f"text #{k} differs:\n  was {want[k]}\n  now {lines[k]}")
    print(f"{len(lines) - len(differ)} of {len(lines)} texts identical on every field")
    if differ:
        sys.exit(1)


if __name__ == "__main__":
    main()
