"""The baseline bot's conversation steps: the handlers a PTB report bot is made of.

Each step reads the draft from `context.user_data` (kept by `PicklePersistence`), answers
with inline keyboards, and stores a finished report with one aiosqlite insert + commit.
Texts go through pythainlp's default `word_tokenize` (newmm), our category suggestion and
participant extraction. The table tying the steps together is `baseline_ptb.conversation`.
"""

from __future__ import annotations

import re
import time
from typing import Any

import aiosqlite
from pythainlp.tokenize import word_tokenize
from pythainlp.util import normalize, thai_digit_to_arabic_digit
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes, ConversationHandler

from bot.nlp import participants, suggest_category

Ctx = ContextTypes.DEFAULT_TYPE

(KIND, P_TEXT, P_PARTICIPANTS, P_COUNT, P_ATTACH, P_CONFIRM,
 O_TEXT, O_CATEGORY, O_SEVERITY, O_CONFIRM, O_ATTACH) = range(11)  # fmt: skip

CATEGORY_TH = {
    "budget": "งบประมาณ", "coordination": "การประสานงาน", "security": "ความปลอดภัย",
    "participation": "การมีส่วนร่วม", "infrastructure": "โครงสร้างพื้นฐาน",
    "livelihood": "อาชีพและรายได้", "drugs": "ยาเสพติด", "other": "อื่น ๆ",
}  # fmt: skip
SEVERITY_TH = {"low": "🟢 ไม่เร่งด่วน", "medium": "🟡 ปานกลาง", "high": "🔴 เร่งด่วน"}
TYPED_SEVERITY = {"ไม่เร่งด่วน": "low", "ปานกลาง": "medium", "เร่งด่วน": "high"}
TYPED_SKIP = {"ข้าม", "เสร็จ", "ไม่มี"}
TYPED_KIND = {"ความก้าวหน้า": "progress", "แจ้งปัญหา": "obstacle", "ปัญหา": "obstacle"}
# A handful of cue words to put the likelier kind first, as a simple bot would.
OBSTACLE_CUES = {"ปัญหา", "อุปสรรค", "ไม่ได้", "เลื่อน", "งด", "ยังไม่", "ไม่กล้า", "ค้าง"}
NUMBER = re.compile(r"^\s*(\d{1,6})\s*(คน|ราย|ท่าน)?\s*$")
CANCEL = InlineKeyboardButton("✖️ ยกเลิก", callback_data="cancel")
MENU = InlineKeyboardMarkup(
    [[InlineKeyboardButton("📝 รายงานความก้าวหน้า", callback_data="m:progress")],
     [InlineKeyboardButton("⚠️ แจ้งปัญหา", callback_data="m:obstacle")]]
)  # fmt: skip


def _analyse(text: str) -> dict[str, Any]:
    """Normalise, tokenise (newmm), count participants and suggest a category."""
    norm = thai_digit_to_arabic_digit(normalize(text))
    tokens = word_tokenize(norm)  # pythainlp's default engine: newmm
    category, _confidence, _ranked = suggest_category(tokens)
    likely = "obstacle" if OBSTACLE_CUES.intersection(tokens) else "progress"
    return {"text": text, "norm": norm, "tokens": tokens, "participants": participants(text),
            "suggested": category, "likely": likely}  # fmt: skip


def _typed_number(text: str) -> int | None:
    m = NUMBER.match(thai_digit_to_arabic_digit(text))
    return int(m.group(1)) if m else None


def _authorised(update: Update, context: Ctx) -> dict[str, Any] | None:
    user = update.effective_user
    return context.bot_data.get("coordinators", {}).get(user.id) if user else None


async def _say(update: Update, text: str, buttons: list[list[InlineKeyboardButton]]) -> None:
    """Reply to a message, or answer the press and edit the message it came from."""
    markup = InlineKeyboardMarkup(buttons) if buttons else None
    query = update.callback_query
    if query is not None:
        await query.answer()
        await query.edit_message_text(text, reply_markup=markup)
    else:
        assert update.effective_message is not None
        await update.effective_message.reply_text(text, reply_markup=markup)


def _draft(context: Ctx) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data.setdefault("draft", {})


async def out_of_the_blue(update: Update, context: Ctx) -> int:
    """Keeps a text from a coordinator and asks which kind of report it is."""
    if _authorised(update, context) is None:
        await _say(update, "กรุณาส่งรหัสเชิญจากสำนักงานโครงการ", [])
        return ConversationHandler.END
    assert update.message is not None and update.message.text is not None
    draft = _analyse(update.message.text)
    context.user_data["draft"] = draft  # type: ignore[index]
    both = [InlineKeyboardButton("📝 ความก้าวหน้า", callback_data="progress"),
            InlineKeyboardButton("⚠️ แจ้งปัญหา", callback_data="obstacle")]  # fmt: skip
    if draft["likely"] == "obstacle":
        both.reverse()
    await _say(update, "📨 ได้รับแล้ว เรื่องนี้เป็นรายงานความก้าวหน้าหรือแจ้งปัญหา?", [both, [CANCEL]])
    return KIND


async def start_progress(update: Update, context: Ctx) -> int:
    """Starts a progress report from the menu or /report."""
    if _authorised(update, context) is None:
        return ConversationHandler.END
    context.user_data["draft"] = {}  # type: ignore[index]
    await _say(update, "📝 เกิดอะไรขึ้นบ้าง? เล่ากิจกรรมสั้น ๆ ได้เลย", [[CANCEL]])
    return P_TEXT


async def start_obstacle(update: Update, context: Ctx) -> int:
    """Starts a problem report from the menu or /problem."""
    if _authorised(update, context) is None:
        return ConversationHandler.END
    context.user_data["draft"] = {}  # type: ignore[index]
    await _say(update, "⚠️ กรุณาเล่าปัญหาที่พบ: เกิดอะไรขึ้น ที่ไหน ใครได้รับผลกระทบ", [[CANCEL]])
    return O_TEXT


async def kind_chosen(update: Update, context: Ctx) -> int:
    """Continues with the kept text in the chosen flow."""
    if update.callback_query is not None:
        choice = update.callback_query.data
    else:
        choice = TYPED_KIND.get((update.effective_message.text or "").strip())  # type: ignore[union-attr]
    if choice == "progress":
        return await _ask_participants(update, context)
    if choice == "obstacle":
        return await _ask_category(update, context)
    await _say(update, "กรุณาเลือก: ความก้าวหน้า หรือ แจ้งปัญหา", [[CANCEL]])
    return KIND


async def progress_text(update: Update, context: Ctx) -> int:
    """Keeps the description and reads the participant count out of it."""
    assert update.message is not None and update.message.text is not None
    context.user_data["draft"] = _analyse(update.message.text)  # type: ignore[index]
    return await _ask_participants(update, context)


async def _ask_participants(update: Update, context: Ctx) -> int:
    guess = _draft(context).get("participants")
    none = InlineKeyboardButton("➖ ไม่ได้นับ", callback_data="none")
    if guess is None:
        await _say(update, "👥 มีผู้เข้าร่วมกี่คน? พิมพ์ตัวเลข เช่น 25", [[none, CANCEL]])
        return P_COUNT
    buttons = [[InlineKeyboardButton(f"✅ ใช่, {guess}", callback_data="yes"),
                InlineKeyboardButton("✏️ แก้จำนวน", callback_data="change")], [none, CANCEL]]  # fmt: skip
    await _say(update, f"👥 มีผู้เข้าร่วมประมาณ {guess} คน ใช่ไหม?", buttons)
    return P_PARTICIPANTS


async def participants_answer(update: Update, context: Ctx) -> int:
    """Yes / not counted / a typed number."""
    draft = _draft(context)
    query = update.callback_query
    if query is not None and query.data == "change":
        await _say(update, "👥 มีผู้เข้าร่วมกี่คน? พิมพ์ตัวเลข เช่น 25", [[CANCEL]])
        return P_COUNT
    if query is not None:
        draft["count"] = draft.get("participants") if query.data == "yes" else None
    else:
        typed = _typed_number(update.effective_message.text or "")  # type: ignore[union-attr]
        if typed is None:
            await _say(update, "กรุณากดปุ่ม หรือพิมพ์จำนวนคน", [[CANCEL]])
            return P_COUNT
        draft["count"] = typed
    skip = InlineKeyboardButton("⏭️ ข้าม", callback_data="done")
    await _say(update, "📷 ต้องการแนบรูปภาพหรือตำแหน่งไหม? ส่งมาได้เลย หรือกดข้าม", [[skip, CANCEL]])
    return P_ATTACH


async def attach_answer(update: Update, context: Ctx) -> int:
    """Skip (pressed or typed) → the summary card."""
    if update.callback_query is None:
        typed = (update.effective_message.text or "").strip()  # type: ignore[union-attr]
        if typed not in TYPED_SKIP:
            await _say(update, "กรุณาส่งรูปหรือตำแหน่ง หรือกดข้าม", [[CANCEL]])
            return P_ATTACH
    draft = _draft(context)
    area = _authorised(update, context) or {}
    count = draft.get("count")
    text = (f"📝 รายงานความก้าวหน้า — กรุณาตรวจสอบ:\nพื้นที่: {area.get('area', '-')}\n"
            f"เกิดอะไรขึ้น: {draft.get('text', '')[:600]}\n"
            f"ผู้เข้าร่วม: {count if count is not None else 'ไม่ได้นับ'}")  # fmt: skip
    await _say(update, text, _confirm_buttons())
    return P_CONFIRM


def _confirm_buttons() -> list[list[InlineKeyboardButton]]:
    return [[InlineKeyboardButton("✅ ส่ง", callback_data="send"),
             InlineKeyboardButton("✏️ แก้ไข", callback_data="edit")], [CANCEL]]  # fmt: skip


async def progress_send(update: Update, context: Ctx) -> int:
    """Stores the report (one insert, one commit) and says thank you."""
    draft = _draft(context)
    report_id = await _store(update, context, "progress", draft, draft.get("suggested"), None)
    await _say(update, f"✅ บันทึกแล้ว ขอบคุณมาก! รายงานเลขที่ #{report_id}", [])
    await update.effective_message.reply_text("ต้องการทำอะไร เลือกได้เลย 👇", reply_markup=MENU)  # type: ignore[union-attr]
    context.user_data.pop("draft", None)  # type: ignore[union-attr]
    return ConversationHandler.END


async def obstacle_text(update: Update, context: Ctx) -> int:
    """Keeps the problem and suggests a category."""
    assert update.message is not None and update.message.text is not None
    context.user_data["draft"] = _analyse(update.message.text)  # type: ignore[index]
    return await _ask_category(update, context)


async def _ask_category(update: Update, context: Ctx) -> int:
    suggested = _draft(context)["suggested"]
    order = [suggested, *(c for c in CATEGORY_TH if c != suggested)]
    rows = [[InlineKeyboardButton(CATEGORY_TH[c], callback_data=f"cat:{c}")] for c in order]
    text = f'🏷️ ปัญหานี้น่าจะเป็นเรื่อง "{CATEGORY_TH[suggested]}" ใช่ไหม? ถ้าไม่ใช่ เลือกหมวดอื่น'
    await _say(update, text, [*rows, [CANCEL]])
    return O_CATEGORY


async def category_answer(update: Update, context: Ctx) -> int:
    """Takes the category and asks for the severity."""
    assert update.callback_query is not None and update.callback_query.data is not None
    _draft(context)["category"] = update.callback_query.data.split(":", 1)[1]
    row = [InlineKeyboardButton(label, callback_data=f"sev:{code}")
           for code, label in SEVERITY_TH.items()]  # fmt: skip
    await _say(update, "ปัญหานี้รุนแรงแค่ไหน?", [row, [CANCEL]])
    return O_SEVERITY


async def severity_answer(update: Update, context: Ctx) -> int:
    """Low / medium / high (pressed or typed) → the summary."""
    query = update.callback_query
    if query is not None and query.data:
        severity: str | None = query.data.split(":", 1)[1]
    else:
        severity = TYPED_SEVERITY.get((update.effective_message.text or "").strip())  # type: ignore[union-attr]
    if severity is None:
        await _say(update, "กรุณาเลือก ไม่เร่งด่วน ปานกลาง หรือ เร่งด่วน", [[CANCEL]])
        return O_SEVERITY
    _draft(context)["severity"] = severity
    skip = InlineKeyboardButton("⏭️ ข้าม", callback_data="done")
    await _say(update, "📷 ต้องการแนบรูปภาพหรือตำแหน่งไหม? ส่งมาได้เลย หรือกดข้าม", [[skip, CANCEL]])
    return O_ATTACH


async def obstacle_attach_answer(update: Update, context: Ctx) -> int:
    """Skip (pressed or typed) → the summary card."""
    if update.callback_query is None:
        typed = (update.effective_message.text or "").strip()  # type: ignore[union-attr]
        if typed not in TYPED_SKIP:
            await _say(update, "กรุณาส่งรูปหรือตำแหน่ง หรือกดข้าม", [[CANCEL]])
            return O_ATTACH
    draft = _draft(context)
    severity = draft["severity"]
    area = _authorised(update, context) or {}
    text = (f"⚠️ แจ้งปัญหา — กรุณาตรวจสอบ:\nพื้นที่: {area.get('area', '-')}\n"
            f"ปัญหา: {draft['text'][:600]}\nหมวด: {CATEGORY_TH[draft['category']]}\n"
            f"ความรุนแรง: {SEVERITY_TH[severity]}")  # fmt: skip
    await _say(update, text, _confirm_buttons())
    return O_CONFIRM


async def obstacle_send(update: Update, context: Ctx) -> int:
    """Stores the ticket (one insert, one commit)."""
    draft = _draft(context)
    ticket = await _store(update, context, "obstacle", draft, draft["category"], draft["severity"])
    await _say(update, f"🎫 บันทึกเป็นเรื่องเลขที่ #{ticket} แล้ว หัวหน้าจะติดตามต่อ", [])
    await update.effective_message.reply_text("ต้องการทำอะไร เลือกได้เลย 👇", reply_markup=MENU)  # type: ignore[union-attr]
    context.user_data.pop("draft", None)  # type: ignore[union-attr]
    return ConversationHandler.END


async def cancel(update: Update, context: Ctx) -> int:
    """Drops the draft."""
    context.user_data.pop("draft", None)  # type: ignore[union-attr]
    await _say(update, "✖️ ยกเลิกแล้ว ไม่ได้บันทึกอะไร", [])
    return ConversationHandler.END


async def _store(
    update: Update,
    context: Ctx,
    kind: str,
    draft: dict[str, Any],
    category: str | None,
    severity: str | None,
) -> int:
    db: aiosqlite.Connection = context.application.bot_data["db"]
    user_id = update.effective_user.id if update.effective_user else None
    cur = await db.execute(
        "insert into reports (kind, user_id, raw_text, norm_text, tokens, category, severity,"
        " participants, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (kind, user_id, draft["text"], draft["norm"], "|".join(draft["tokens"]),
         category, severity, draft.get("count"), time.time()),
    )  # fmt: skip
    await db.commit()
    return int(cur.lastrowid or 0)
