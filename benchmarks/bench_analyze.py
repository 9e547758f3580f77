"""Cost of reading a report text: `bot.nlp.analyze` against nlpo3's segmentation of it.

Run: PYTHAINLP_OFFLINE=1 .venv/bin/python benchmarks/bench_analyze.py

The texts are the inbound benchmark's report texts as it sends them (the workload's 40
texts, each dated and given a village number, 240 different texts).  For each round it
times one pass of ``analyze`` over all of them and one pass of ``nlpo3.segment`` (with
the same dictionary, on the raw text) over all of them, back to back, in this thread's
CPU time, so that other processes on a shared machine weigh on both alike.  It prints
the median µs per text of each and the median of the per-round ratios (target: analyze
≤ 3x the segmentation), then the same split by stage, to show where the time goes.
``analyze`` works out each field when first asked, so it is timed with every field read
(the target figure) and with only what each reply reads (the obstacle flow's category,
triage's kind).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.workload import TEXTS, dated  # noqa: E402


def _pass_us(fn: Callable[[str], object], texts: Sequence[str]) -> float:
    start = time.thread_time_ns()
    for text in texts:
        fn(text)
    return (time.thread_time_ns() - start) / len(texts) / 1000


def compare(
    fns: dict[str, Callable[[str], object]], texts: Sequence[str], rounds: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Median µs per text of each fn, and the median per-round ratio of each to the last."""
    for fn in fns.values():
        for text in texts:
            fn(text)
    samples: dict[str, list[float]] = {name: [] for name in fns}
    base = list(fns)[-1]
    ratios: dict[str, list[float]] = {name: [] for name in fns}
    gc.disable()
    try:
        for _ in range(rounds):
            for name, fn in fns.items():
                samples[name].append(_pass_us(fn, texts))
            for name in fns:
                ratios[name].append(samples[name][-1] / samples[base][-1])
    finally:
        gc.enable()
    return (
        {name: statistics.median(v) for name, v in samples.items()},
        {name: statistics.median(v) for name, v in ratios.items()},
    )


def main() -> None:
    """Print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=41)
    args = parser.parse_args()

    import nlpo3

    from bot.nlp import analyze, warm_up
    from bot.nlp.classify import guess_kind, rank_categories
    from bot.nlp.counts import participants_normalized
    from bot.nlp.dictionary import dictionary_file
    from bot.nlp.normalization import normalize
    from bot.nlp.tokenizer import keywords, segment_normalized
    from bot.nlp.view import TextView

    warm_up()
    path = dictionary_file()
    nlpo3.load_dict(str(path), "bench-analyze")

    def segment(text: str) -> list[str]:
        return nlpo3.segment(text, "bench-analyze")

    texts = [dated(text, n) for n in range(6) for text, _kind, _cat in TEXTS]
    chars = statistics.mean(len(t) for t in texts)

    # Cumulative stages of analyze(), each including the ones before it.
    def s_normalize(text: str) -> object:
        return normalize(text)

    def s_tokens(text: str) -> object:
        return segment_normalized(normalize(text))

    def s_view(text: str) -> object:
        n = normalize(text)
        return TextView(segment_normalized(n), n)

    def s_category(text: str) -> object:
        n = normalize(text)
        return rank_categories(TextView(segment_normalized(n), n))

    def s_kind(text: str) -> object:
        n = normalize(text)
        view = TextView(segment_normalized(n), n)
        return rank_categories(view), guess_kind(view, participants_normalized(n), n)

    def s_keywords(text: str) -> object:
        n = normalize(text)
        tokens = segment_normalized(n)
        view = TextView(tokens, n)
        rank_categories(view)
        guess_kind(view, participants_normalized(n), n)
        return keywords(tokens)

    from bot.nlp.bayes import model

    bayes = model()

    # Everything but the two lexicons and the negation windows: what matching competes with.
    def no_lexicons(text: str) -> object:
        n = normalize(text)
        tokens = segment_normalized(n)
        TextView(tokens, n)
        return participants_normalized(n), keywords(tokens), bayes.token_probabilities(tokens)

    # analyze() reads the rest of a message when first asked (see Analysis): the target
    # figure is the whole reading, every field; the reply paths ask for one field each.
    def full(text: str) -> object:
        return analyze(text).complete()

    def obstacle_reply(text: str) -> object:
        return analyze(text).ranked_categories

    def triage_reply(text: str) -> object:
        return analyze(text).kind

    headline, ratio = compare(
        {
            "analyze, every field": full,
            "reply: category": obstacle_reply,
            "reply: kind": triage_reply,
            "nlpo3.segment": segment,
        },
        texts,
        args.rounds,
    )
    stages = {
        "normalize": s_normalize,
        "+ segment": s_tokens,
        "+ view": s_view,
        "+ category": s_category,
        "+ count, kind": s_kind,
        "+ keywords": s_keywords,
        "all but lexicons": no_lexicons,
        "analyze, all": full,
        "nlpo3.segment": segment,
    }
    split, split_ratio = compare(stages, texts, max(args.rounds // 4, 5))

    print(f"{len(texts)} report texts, {chars:.0f} characters on average; {args.rounds} rounds")
    print(f"{'':<22}{'µs / text':>12}{'x segment':>12}")
    for name in headline:
        print(f"{name:<22}{headline[name]:>12.1f}{ratio[name]:>11.2f}x")
    print("\nwhere the time goes (cumulative stages, fewer rounds):")
    for name in stages:
        print(f"{name:<22}{split[name]:>12.1f}{split_ratio[name]:>11.2f}x")
    whole = ratio["analyze, every field"]
    verdict = "met" if whole <= 3 else "MISSED"
    print(f"\nanalyze (every field) / nlpo3 segmentation: {whole:.2f}x (target <= 3x: {verdict})")


if __name__ == "__main__":
    main()
