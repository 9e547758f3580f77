"""Tokeniser speed: our tokenize() against raw nlpo3 and pythainlp newmm.

Run: PYTHAINLP_OFFLINE=1 .venv/bin/python benchmarks/bench_tokenize.py

Prints µs per message (median of repeated timed batches, time.perf_counter_ns) on a
~50-character and a ~2,000-character Thai message, the ratio ours / raw nlpo3
(median of per-round ratios; target: within 1.5x), the first-call load time and the
RSS after loading.  "raw nlpo3" is nlpo3.segment with pythainlp's word list and no
normalisation; ours normalises, uses the domain dictionary and drops whitespace.
Run it in a fresh process: the load time and RSS are only meaningful then.
"""

from __future__ import annotations

import gc
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHORT = "ลงพื้นที่สายบุรี จัดเวทีรับฟังปัญหา มีผู้เข้าร่วม 30 คน"
PARAGRAPH = (
    "รายงานความก้าวหน้าประจำเดือน ผู้ประสานงานพื้นที่สันติสุขขนาดเล็กได้ลงพื้นที่ร่วมกับ"
    "องค์กรภาคประชาสังคมและแกนนำชุมชน จัดเวทีรับฟังปัญหาของชาวบ้านที่ศาลาประชาคม "
    "ชาวบ้านสะท้อนว่าถนนเข้าหมู่บ้านชำรุด ราคายางตกต่ำ เยาวชนว่างงาน และมีปัญหายาเสพติด"
    "ระบาดในหมู่บ้าน ที่ประชุมตกลงร่วมกันว่าจะประสานงานกับ อบต. และ ศอ.บต. เพื่อขอรับการ"
    "สนับสนุนงบประมาณ ผู้เข้าร่วม 45 คน\n"
)
OURS, RAW = "ours tokenize()", "raw nlpo3.segment"
LONG = (PARAGRAPH * (2000 // len(PARAGRAPH) + 1))[:2000]


def _rss_mb() -> float:
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def interleaved_us(
    fns: dict[str, Callable[[str], object]], text: str, rounds: int = 41
) -> tuple[dict[str, float], float]:
    """Return the median µs per call of each fn(text), and the median per-round ratio
    ours/raw.  Batches of the functions alternate round by round, so that load from
    other processes on the machine falls on all of them alike."""
    per_batch: dict[str, int] = {}
    for name, fn in fns.items():
        fn(text)
        t0 = time.perf_counter_ns()
        fn(text)
        per_batch[name] = max(1, int(5_000_000 / max(time.perf_counter_ns() - t0, 1)))
    samples: dict[str, list[float]] = {name: [] for name in fns}
    ratios: list[float] = []
    gc.disable()
    try:
        for _ in range(rounds):
            for name, fn in fns.items():
                n = per_batch[name]
                start = time.perf_counter_ns()
                for _ in range(n):
                    fn(text)
                samples[name].append((time.perf_counter_ns() - start) / n / 1000)
            ratios.append(samples[OURS][-1] / samples[RAW][-1])
    finally:
        gc.enable()
    return {name: statistics.median(v) for name, v in samples.items()}, statistics.median(ratios)


def main() -> None:
    """Print the comparison table."""
    rss_start = _rss_mb()
    t0 = time.perf_counter()
    from bot.nlp import engine_name, tokenize

    tokenize("ทดสอบ")  # first call: imports, dictionary file, nlpo3 load
    load_s = time.perf_counter() - t0
    rss_loaded = _rss_mb()

    import nlpo3
    from pythainlp.tokenize import word_tokenize

    nlpo3.load_dict(_default_dict_path(), "bench-default")

    def raw_nlpo3(text: str) -> list[str]:
        return nlpo3.segment(text, "bench-default")

    def newmm(text: str) -> list[str]:
        return word_tokenize(text, engine="newmm")

    newmm(SHORT)  # load newmm's default trie outside the timing
    fns = {OURS: tokenize, RAW: raw_nlpo3, "pythainlp newmm": newmm}
    short, short_ratio = interleaved_us(fns, SHORT)
    long, long_ratio = interleaved_us(fns, LONG, rounds=15)
    print(f"engine: {engine_name()}   short: {len(SHORT)} chars   long: {len(LONG)} chars")
    print(f"first call (import + dictionary + load): {load_s * 1000:.0f} ms")
    print(f"RSS: {rss_start:.0f} MB at start, {rss_loaded:.0f} MB after loading our tokeniser")
    print()
    print(f"{'':<20}{'µs / short msg':>16}{'µs / long msg':>16}")
    for name in fns:
        print(f"{name:<20}{short[name]:>16.1f}{long[name]:>16.1f}")
    print(f"{'ours / raw nlpo3':<20}{short_ratio:>15.2f}x{long_ratio:>15.2f}x")
    print(f"\nRSS at exit: {_rss_mb():.0f} MB (newmm's own dictionary is loaded too by then)")


def _default_dict_path() -> str:
    # The word list nlpo3's default dictionary is made from, as pythainlp loads it.
    from importlib.resources import files

    path = Path(str(files("pythainlp.corpus").joinpath("words_th.txt")))
    if not path.is_file():
        raise SystemExit(f"pythainlp's bundled word list was not found at {path}")
    return str(path)


if __name__ == "__main__":
    main()
