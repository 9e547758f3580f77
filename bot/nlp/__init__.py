"""Thai text processing for Prasan: normalising, tokenising, keywords and report triage.

Everything loads lazily on first use; call :func:`warm_up` at start-up to pay the
dictionary load (~0.2 s) before the first message instead of during it.
"""

from __future__ import annotations

from .analysis import Analysis, analyze, analyze_stream, warm_up
from .classify import CATEGORIES, KINDS, suggest_category
from .counts import participants
from .normalization import normalize
from .tokenizer import engine_name, keywords, tokenize

__all__ = [
    "CATEGORIES",
    "KINDS",
    "Analysis",
    "analyze",
    "analyze_stream",
    "engine_name",
    "keywords",
    "normalize",
    "participants",
    "suggest_category",
    "tokenize",
    "warm_up",
]
