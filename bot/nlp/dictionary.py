"""The tokeniser's word list: pythainlp's ``thai_words()`` plus the programme's own words.

nlpo3 only loads dictionaries from files, so the merged list is written once to a
cache file named after a hash of its content (the package directory may be read-only).
"""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

__all__ = [
    "DATA_DIR",
    "aliases",
    "data_lines",
    "dictionary_file",
    "domain_words",
    "is_known",
    "known_words",
    "merged_words",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
_DOMAIN_FILE = "nlp_domain_words.txt"
_DISTRICTS_FILE = "districts.csv"
# Bump when the way the file is built changes, so stale cache files are not reused.
_FORMAT = "prasan-dict-1"


def data_lines(name: str) -> Iterator[str]:
    """Yield the non-blank, non-comment lines of a data file in ``bot/data``."""
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        for raw in fh:
            line = raw.strip()
            if line and not line.startswith("#"):
                yield line


@cache
def _domain_entries() -> tuple[tuple[str, ...], dict[str, str]]:
    words: list[str] = []
    alias: dict[str, str] = {}
    for line in data_lines(_DOMAIN_FILE):
        variant, sep, canonical = line.partition(" = ")
        words.append(variant.strip())
        if sep:
            alias[variant.strip()] = canonical.strip()
            words.append(canonical.strip())
    with (DATA_DIR / _DISTRICTS_FILE).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            words.append(row["province_th"].strip())
            words.append(row["district_th"].strip())
    return tuple(dict.fromkeys(w for w in words if w)), alias


def domain_words() -> tuple[str, ...]:
    """Return the programme's own words: terms, abbreviations, provinces and districts."""
    return _domain_entries()[0]


def aliases() -> dict[str, str]:
    """Return variant spellings mapped to the canonical form keywords() reports."""
    return _domain_entries()[1]


@cache
def known_words() -> frozenset[str]:
    """Return the merged dictionary: ``thai_words()`` and the domain words."""
    from pythainlp.corpus import thai_words

    return frozenset(thai_words()).union(domain_words())


def merged_words() -> list[str]:
    """Return the sorted union of ``thai_words()`` and the domain words."""
    return sorted(known_words())


def is_known(word: str) -> bool:
    """Return whether ``word`` is in the merged dictionary."""
    return word in known_words()


def _cache_dirs() -> Iterator[Path]:
    explicit = os.environ.get("PRASAN_CACHE_DIR")
    if explicit:
        yield Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    yield (Path(xdg) if xdg else Path.home() / ".cache") / "prasan"
    yield Path(tempfile.gettempdir()) / f"prasan-{os.getuid() if hasattr(os, 'getuid') else 0}"


def dictionary_file() -> Path:
    """Write the merged word list to a content-addressed cache file and return its path."""
    content = ("\n".join(merged_words()) + "\n").encode("utf-8")
    digest = hashlib.sha256(_FORMAT.encode() + content).hexdigest()[:16]
    name = f"words-{digest}.txt"
    last_error: OSError | None = None
    for directory in _cache_dirs():
        path = directory / name
        try:
            if path.is_file() and path.stat().st_size == len(content):
                return path
            directory.mkdir(parents=True, exist_ok=True)
            # Write then rename so a concurrent process never loads a half-written file.
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".words-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(content)
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            return path
        except OSError as exc:
            last_error = exc
    raise OSError(f"no writable cache directory for the tokeniser dictionary: {last_error}")
