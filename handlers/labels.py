"""Names people read for the codes we store (marked for translation, translated at use)."""

from __future__ import annotations

from bot.i18n import N_, Translator

CATEGORY_NAMES = {
    "budget": N_("Budget"),
    "coordination": N_("Coordination"),
    "security": N_("Security"),
    "participation": N_("Participation"),
    "infrastructure": N_("Infrastructure"),
    "livelihood": N_("Livelihood"),
    "drugs": N_("Drugs"),
    "other": N_("Other"),
}
# Stored as severity codes; people read urgency (ความรุนแรง means violence in the Deep South).
SEVERITY_NAMES = {
    "low": N_("🟢 Not urgent"),
    "medium": N_("🟡 Fairly urgent"),
    "high": N_("🔴 Urgent"),
}
STATUS_NAMES = {
    "submitted": N_("received"),
    "open": N_("open"),
    "acknowledged": N_("acknowledged"),
    "in_progress": N_("in progress"),
    "resolved": N_("resolved"),
    "referred": N_("not ours (referred elsewhere)"),
    "duplicate": N_("duplicate"),
}
KIND_NAMES = {"progress": N_("progress"), "obstacle": N_("problem")}


def category_name(t: Translator, code: str) -> str:
    """A category code as the reader says it."""
    return t(CATEGORY_NAMES.get(code, code))


def severity_name(t: Translator, code: str) -> str:
    """A stored severity code as the reader says it: its urgency."""
    return t(SEVERITY_NAMES.get(code, code))


def status_name(t: Translator, code: str) -> str:
    """A report state as the reader says it."""
    return t(STATUS_NAMES.get(code, code))
