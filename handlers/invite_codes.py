"""Checking an invite code someone sent: per-chat and per-code lockout, and honest answers.

A chat that sends MAX_FAILURES wrong codes is not checked for LOCK_MINUTES. A code whose
near misses (one character off) arrive from NEAR_MISS_CHATS different chats locks itself:
someone who saw part of it is guessing the rest. Each message says what still works.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from bot.dates import format_datetime
from bot.invites import (
    ALPHABET,
    LENGTH,
    LOCK_MINUTES,
    MAX_FAILURES,
    NEAR_MISS_CHATS,
    code_hash,
    invite_key,
    keyed_hash,
    near_misses,
)
from bot.messages import Outgoing
from handlers.context import Ctx
from storage.audit import AuditAction, audit, identity_actor
from storage.queries_invites import Invite


class CodeCheck(StrEnum):
    """What a code turned out to be."""

    VALID = "valid"
    UNKNOWN = "unknown"
    SPENT = "spent"  # used or expired
    REVOKED = "revoked"
    LOCKED = "locked"


def chat_locked(ctx: Ctx) -> bool:
    """Is this chat in its wrong-code lockout?"""
    until = ctx.identity.locked_until
    return until is not None and until > ctx.tx.now()


def code_sized(code: str) -> bool:
    """Could this normalised text be one of our codes at all?"""
    return len(code) == LENGTH and all(c in ALPHABET for c in code)


def looks_typed_as_code(text: str) -> bool:
    """Written like a code (K7MQ4-XPD9R, or with a digit), not a ten-letter word."""
    text = text.strip()
    return any(c.isdigit() for c in text) or (len(text) == LENGTH + 1 and text[5] in "- ")


async def check(ctx: Ctx, code: str) -> tuple[CodeCheck, Invite | None]:
    """Look a code up; an unknown one may be a near miss of a pending code (counted)."""
    invite = await ctx.tx.invite_by_hash(await code_hash(ctx.tx, code))
    now = ctx.tx.now()
    if invite is None:
        await _near_miss(ctx, code)
        return CodeCheck.UNKNOWN, None
    if invite.used_at is not None or invite.expires_at <= now:
        return CodeCheck.SPENT, invite
    if invite.revoked_at is not None:
        return CodeCheck.REVOKED, invite
    if invite.locked_at is not None:
        return CodeCheck.LOCKED, invite
    return CodeCheck.VALID, invite


async def _near_miss(ctx: Ctx, code: str) -> None:
    key = await invite_key(ctx.tx)
    hashes = [keyed_hash(key, c) for c in near_misses(code)]
    for invite in await ctx.tx.pending_invites_by_hashes(hashes):
        chats = await ctx.tx.record_near_miss(invite.id, ctx.identity.id)
        if chats >= NEAR_MISS_CHATS and invite.locked_at is None:
            await ctx.tx.lock_invite(invite.id)
            await audit(ctx.tx, identity_actor(ctx.identity.id), AuditAction.INVITE_LOCKED,
                        {"invite_id": invite.id, "chats": chats})  # fmt: skip


async def refuse_code(ctx: Ctx, result: CodeCheck, *, registered: bool) -> Outgoing:
    """Count a failed code against this chat and say what happened and what still works."""
    t = ctx.t
    if result is CodeCheck.LOCKED:  # the right code, locked for its own safety: not a guess
        return ctx.say(t("🔒 This code has been locked to keep it safe, because it was tried "
                         "with mistakes from several chats. Please ask the programme office "
                         "for a new code; a new code will work right away in this chat."))  # fmt: skip
    failures = ctx.identity.failed_codes + 1
    values: dict[str, object] = {"failed_codes": failures}
    locking = failures >= MAX_FAILURES
    if locking:
        until = ctx.tx.now() + timedelta(minutes=LOCK_MINUTES)
        values = {"failed_codes": 0, "locked_until": until}
    await ctx.tx.update_identity(ctx.identity.id, **values)
    await audit(ctx.tx, identity_actor(ctx.identity.id), AuditAction.INVITE_FAILED,
                {"failures": failures, "result": result.value})  # fmt: skip
    if locking:
        return ctx.say(locked_text(ctx, until, registered=registered))
    first = {
        CodeCheck.UNKNOWN: t("I don't recognise that code."),
        CodeCheck.SPENT: t("This code has expired or was already used."),
        CodeCheck.REVOKED: t("This code was cancelled by the programme office."),
    }[result]
    left = MAX_FAILURES - failures
    return ctx.say(
        first + " " + t.plural("Please check it and try again ({n} try left).",
                               "Please check it and try again ({n} tries left).", left)
    )  # fmt: skip


def locked_text(ctx: Ctx, until: object, *, registered: bool) -> str:
    """The truth about a chat's lockout: no code is checked until then, a new one neither."""
    when = format_datetime(until, ctx.tz, ctx.lang)  # type: ignore[arg-type]
    if registered:
        return ctx.t("🔒 Too many wrong codes from this chat: I will not check invite codes "
                     "here until {until}. Everything else works as usual: your menu and "
                     "reports are not affected.", until=when)  # fmt: skip
    return ctx.t("🔒 Too many wrong codes from this chat: I will not check any code here "
                 "until {until}, not even a new one. Please try again after that time.",
                 until=when)  # fmt: skip
