"""What people type instead of pressing a button: polite particles, synonyms, any of our languages."""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from functools import cache, lru_cache

from bot.config import LANGUAGES
from bot.i18n import translator
from handlers.labels import CATEGORY_NAMES

# Thai (and a few Malay) polite endings people add to a typed answer: "ยกเลิกค่ะ", "ส่ง ครับ".
PARTICLES = ("ครับผม", "นะครับ", "นะคะ", "คร้าบ", "ครับ", "คับ", "ค่ะ", "คะ", "ค่า", "จ้ะ",
             "จ้า", "จ๊ะ", "นะ", "จ้ะ", "เลย", "ด้วย", "kak", "bang")  # fmt: skip
PREFIXES = ("ขอ", "กด", "เลือก")  # "ขอยกเลิก", "กดส่ง", "เลือกข้าม"


def key(text: str) -> str:
    """Letters, digits and Thai marks only, case-folded (no emoji, punctuation or spaces).

    Marks stay: Thai vowels and tone marks are marks (`\\W` would drop them, and ส่ง
    "send" would then match สูง "high").
    """
    kept: list[str] = []
    keep_marks = False  # a mark belongs to the character before it (an emoji's selector goes)
    for c in unicodedata.normalize("NFC", text):
        kind = unicodedata.category(c)[0]
        if kind in "LN" or (kind == "M" and keep_marks):
            kept.append(c)
            keep_marks = True
        else:
            keep_marks = False
    return "".join(kept).casefold()


@lru_cache(maxsize=4096)
def button_key(label: str) -> str:
    """`key` of a button label: labels are few and asked about on every typed message."""
    return key(label)


@lru_cache(maxsize=4096)  # one message is asked about many buttons
def bare(text: str) -> str:
    """The typed answer without polite particles: 'ยกเลิก ครับ' → 'ยกเลิก'."""
    k = key(text)
    changed = True
    while changed and k:
        changed = False
        for p in PARTICLES:
            if k.endswith(p) and len(k) > len(p):
                k, changed = k[: -len(p)], True
    return k


# Words that mean a button, beyond its label in each of our languages (keys of button data).
EXTRA: dict[str, tuple[str, ...]] = {
    "cancel": (
        "ยกเลิก",
        "ไม่เอาแล้ว",
        "ไม่เอา",
        "เลิก",
        "พอแล้ว",
        "ยกเลิกรายงาน",
        "cancel",
        "stop",
        "/cancel",
        "batal",
        "tak jadi",
    ),
    "send": ("ส่ง", "ยืนยัน", "ส่งได้", "ส่งรายงาน", "send", "confirm", "hantar", "sahkan"),
    "edit": ("แก้", "แก้ไข", "edit", "ubah", "betulkan"),
    "yes": ("ใช่", "ใช่แล้ว", "ถูกต้อง", "ถูก", "yes", "y", "ya", "betul", "ok", "โอเค", "ตกลง"),
    # "No" to "about 12 people, right?" (the only question with a Change button) means change.
    "change": (
        "เปลี่ยน",
        "แก้จำนวน",
        "ไม่ใช่",
        "ไม่ถูก",
        "ไม่ถูกต้อง",
        "ผิด",
        "change",
        "no",
        "wrong",
        "tukar",
        "bukan",
        "tidak",
    ),
    "none": (
        "ไม่ได้นับ",
        "ไม่ทราบ",
        "ไม่รู้",
        "ไม่ได้นับจำนวน",
        "not counted",
        "unknown",
        "tidak dikira",
        "tak tahu",
    ),
    "done": (
        "ข้าม",
        "เสร็จ",
        "เสร็จแล้ว",
        "ไม่มี",
        "ไม่แนบ",
        "skip",
        "done",
        "no",
        "langkau",
        "selesai",
        "tiada",
    ),
    "progress": ("ความก้าวหน้า", "รายงานความก้าวหน้า", "ก้าวหน้า", "progress", "kemajuan"),
    "obstacle": ("ปัญหา", "แจ้งปัญหา", "อุปสรรค", "problem", "masalah"),
    "sev:low": ("ไม่เร่งด่วน", "ไม่ด่วน", "ต่ำ", "น้อย", "low", "not urgent", "rendah"),
    "sev:medium": ("ปานกลาง", "กลาง", "medium", "sederhana"),
    "sev:high": ("เร่งด่วน", "ด่วน", "ด่วนมาก", "สูง", "high", "urgent", "segera", "tinggi"),
    "e:back": ("กลับ", "ย้อนกลับ", "back", "kembali"),
}
# Labels (msgids) whose translations in every language also mean the button.
LABELS: dict[str, tuple[str, ...]] = {
    "cancel": ("✖️ Cancel",),
    "send": ("✅ Send",),
    "edit": ("✏️ Edit",),
    "change": ("✏️ Change",),
    "none": ("➖ Not counted",),
    "done": ("⏭️ Skip", "✅ Done"),
    "progress": ("📝 Progress update", "👉 Progress update"),
    "obstacle": ("⚠️ A problem", "👉 A problem"),
    "sev:low": ("🟢 Not urgent",),
    "sev:medium": ("🟡 Fairly urgent",),
    "sev:high": ("🔴 Urgent",),
    "e:back": ("↩️ Back",),
    **{f"cat:{code}": (name,) for code, name in CATEGORY_NAMES.items()},
}
# Menu words typed in any language, whatever the person's own language is.
MENU_WORDS: dict[str, tuple[str, ...]] = {
    "m:menu": ("เมนู", "เมนูหลัก", "menu", "main menu", "menu utama"),
    "m:help": ("วิธีใช้", "ช่วยเหลือ", "ช่วยด้วย", "help", "bantuan", "tolong"),
    "m:lang": ("ภาษา", "เปลี่ยนภาษา", "language", "bahasa", "tukar bahasa"),
    "lang:th": ("ไทย", "ภาษาไทย", "thai", "bahasa thai"),
    "lang:en": ("english", "อังกฤษ", "ภาษาอังกฤษ", "bahasa inggeris", "inggeris"),
    "lang:ms": ("melayu", "bahasa melayu", "malay", "มลายู", "ภาษามลายู", "ยาวี"),
}


@cache
def _menu_words() -> dict[str, str]:
    from handlers.menu import ITEMS_BY_ROLE  # the menu module needs this one: import late

    found = {bare(w): data for data, ws in MENU_WORDS.items() for w in ws}
    for items in ITEMS_BY_ROLE.values():
        for data, label in items:
            found.update({bare(translator(lang)(label)): data for lang in LANGUAGES})
    return found


def menu_word(text: str | None) -> str | None:
    """The menu action (or language choice) a typed word means, in any of our languages."""
    if not text:
        return None
    k = bare(text)
    return _menu_words().get(k) if k else None


@cache
def synonyms(data: str) -> frozenset[str]:
    """Every typed form (particles off) that means the button carrying `data`."""
    words = {bare(w) for w in EXTRA.get(data, ())}
    for msgid in LABELS.get(data, ()):
        words |= {bare(translator(lang)(msgid)) for lang in LANGUAGES}
    return frozenset(w for w in words if w)


def means(text: str | None, data: str) -> bool:
    """Does the typed `text` mean the button `data` (in any language, with or without particles)?"""
    if not text:
        return False
    k, words = bare(text), synonyms(data)
    return k in words or any(k.startswith(p) and k[len(p) :] in words for p in PREFIXES)


class Chat(StrEnum):
    """Small talk out of the blue, answered with a friendly word and the menu."""

    GREETING = "greeting"
    THANKS = "thanks"
    ACK = "ack"


SMALL_TALK: dict[Chat, tuple[str, ...]] = {
    Chat.GREETING: (
        "สวัสดี",
        "หวัดดี",
        "ดีครับ",
        "ดีค่ะ",
        "สวัสดีตอนเช้า",
        "อัสลามุอะลัยกุม",
        "อัสลามูอาลัยกุม",
        "assalamualaikum",
        "salam",
        "hello",
        "hi",
        "hey",
        "good morning",
        "selamat pagi",
        "apa khabar",
    ),
    Chat.THANKS: (
        "ขอบคุณ",
        "ขอบคุณมาก",
        "ขอบใจ",
        "ขอบคุณมากๆ",
        "thanks",
        "thank you",
        "thank you very much",
        "terima kasih",
        "terima kasih banyak",
    ),
    Chat.ACK: ("ok", "okay", "โอเค", "ตกลง", "รับทราบ", "ได้", "ครับ", "ค่ะ", "จ้า", "baik", "faham"),
}
ACK_EMOJI = frozenset("👍🙏👌😊🙂❤✅💯")


@cache
def _small_talk_words() -> dict[str, Chat]:
    return {bare(w) or key(w): kind for kind, words in SMALL_TALK.items() for w in words}


def small_talk(text: str | None) -> Chat | None:
    """Greeting, thanks or a bare acknowledgement ("ok", "👍"), else None."""
    if not text or not text.strip():
        return None
    stripped = text.strip()
    if all(c in ACK_EMOJI or unicodedata.category(c) in ("Mn", "Cf", "Zs", "So", "Sk")
           for c in stripped):  # fmt: skip
        return Chat.ACK if any(c in ACK_EMOJI for c in stripped) else None
    words = _small_talk_words()
    k = key(stripped)
    return words.get(k) or words.get(bare(stripped))
