"""The inbound benchmark's workload: Thai coordinator messages and the per-coordinator cycle.

Both sides of `bench_inbound.py` (Prasan and the python-telegram-bot baseline) replay
exactly the sequence built here, so their throughput and stored-report counts compare.

One cycle is eleven messages that file two reports, six typed and five pressed:

    progress  T report text (out of the blue) · P "progress" · T "๓๐ คน" · T "ข้าม" · P "send"
              or  C "/report" · T report text · T "๓๐ คน" · T "ข้าม" · P "send"
    obstacle  T report text (out of the blue) · P "obstacle" · P "cat:…" · T "เร่งด่วน" · T "ข้าม" · P "send"
              or  P "m:obstacle" · T report text · P "cat:…" · T "เร่งด่วน" · T "ข้าม" · P "send"

Every report needs its text plus four answers (kind, count or category, attachments or
severity, send), so report texts are at most a fifth of the traffic; typing three of
the answers, as coordinators do on a phone keyboard, brings the texts to half.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.dates import MONTHS as THAI_MONTHS

# (text, kind, category code pressed for an obstacle). Progress texts carry counts in Thai
# and Arabic digits, some carry none, so both the "about N — right?" and the "how many?"
# steps of the progress flow are exercised.
TEXTS: tuple[tuple[str, str, str], ...] = (
    ("จัดเวทีรับฟังปัญหาที่บ้านบางปู มีผู้เข้าร่วม ๓๕ คน ชาวบ้านเสนอเรื่องน้ำประปาและถนน",
     "progress", ""),
    ("ลงพื้นที่ประชุมแกนนำชุมชนบ้านบาเจาะ ผู้เข้าร่วม 22 คน ตกลงแผนงานเดือนหน้าแล้ว",
     "progress", ""),
    ("วันนี้อบรมเยาวชนเรื่องสันติวิธีที่โรงเรียนตาดีกา เยาวชนเข้าร่วม ๔๐ คน บรรยากาศดีมาก",
     "progress", ""),
    ("ถอดบทเรียนโครงการพื้นที่สันติสุขขนาดเล็กร่วมกับองค์กรภาคประชาสังคม ผู้เข้าร่วม ๑๘ คน",
     "progress", ""),
    ("ประชุมคณะทำงานระดับอำเภอยะหริ่ง ทบทวนแผนปฏิบัติการประจำปี เรียบร้อยดีครับ", "progress", ""),
    ("จัดกิจกรรมปลูกป่าชายเลนกับชาวบ้านสะกอม มีผู้ร่วมกิจกรรมประมาณ 60 คน", "progress", ""),
    ("เยี่ยมบ้านผู้สูงอายุในพื้นที่บ้านธารโต ๑๒ ครัวเรือน มอบถุงยังชีพเรียบร้อยแล้วค่ะ",
     "progress", ""),
    ("ประสานงานกับ อบต. เรื่องซ่อมศาลาประชาคม ได้รับงบแล้ว เริ่มงานสัปดาห์หน้า", "progress", ""),
    ("จัดเวทีประชาคมหมู่บ้านเพื่อทำแผนชุมชน ชาย ๒๐ คน หญิง ๑๕ คน รวม ๓๕ คน", "progress", ""),
    ("อบรมอาชีพทำขนมพื้นบ้านให้กลุ่มแม่บ้านบ้านทุ่งพอ ผู้เข้าร่วม 25 คน 👍", "progress", ""),
    ("ส่งรายงานการประชุมกับผู้นำศาสนาเรียบร้อยแล้ว ทุกฝ่ายเห็นด้วยกับแผนงานปีนี้", "progress", ""),
    ("แข่งขันฟุตบอลเยาวชนสัมพันธ์ ๘ ทีม มีผู้ชมและนักกีฬาราว ๒๐๐ คน ไม่มีเหตุการณ์ใด",
     "progress", ""),
    ("ลงพื้นที่บ้านลำใหม่สำรวจความต้องการของชุมชน พูดคุยกับแกนนำ ๙ ท่าน", "progress", ""),
    ("ประชุมเครือข่ายผู้หญิงเพื่อสันติภาพที่มัสยิดกลาง ผู้เข้าร่วม ๓๐ คน", "progress", ""),
    ("จัดค่ายครอบครัวอบอุ่นห่างไกลยาเสพติดสองวัน ผู้ปกครองและเด็กรวม 48 คน", "progress", ""),
    ("ติดตามกลุ่มวิสาหกิจชุมชนเลี้ยงแพะ ขายได้เพิ่มขึ้น สมาชิกพอใจมาก 😊", "progress", ""),
    ("ประชุมร่วมกับ ศอ.บต. และอำเภอเทพา สรุปผลการดำเนินงานไตรมาสแรกเรียบร้อย", "progress", ""),
    ("จัดเวทีเสวนาไทยพุทธ-มุสลิมอยู่ร่วมกัน ผู้เข้าร่วมราว ๕๕ คน ได้ข้อเสนอ ๕ ข้อ",
     "progress", ""),
    ("เปิดศูนย์เรียนรู้ชุมชนบ้านโคกเคียนอย่างเป็นทางการ มีนายอำเภอมาร่วมพิธีด้วย", "progress", ""),
    ("ทำความสะอาดมัสยิดและกุโบร์ร่วมกับชาวบ้าน จิตอาสา ๒๗ คน เสร็จภายในครึ่งวัน", "progress", ""),
    ("งบประมาณกิจกรรมเดือนนี้ยังไม่โอนมา ต้องเลื่อนเวทีประชาคมออกไปก่อน", "obstacle", "budget"),
    ("เบิกค่าอาหารว่างผู้เข้าร่วมไม่ได้ เพราะเอกสารการเงินไม่ครบ รอมาสองสัปดาห์แล้ว",
     "obstacle", "budget"),
    ("ค่าเดินทางของแกนนำชุมชนยังค้างจ่ายอยู่ ชาวบ้านเริ่มไม่อยากมาประชุม", "obstacle", "budget"),
    ("หน่วยงานในพื้นที่ไม่ตอบรับการประสานงาน นัดประชุมร่วมแล้วไม่มีใครมา",
     "obstacle", "coordination"),
    ("อบต. กับอำเภอให้ข้อมูลไม่ตรงกัน ทำให้ชาวบ้านสับสนเรื่องโครงการ", "obstacle", "coordination"),
    ("มีเหตุระเบิดใกล้หมู่บ้านเมื่อคืน ชาวบ้านไม่กล้าออกมาร่วมกิจกรรม ต้องงดเวทีวันนี้",
     "obstacle", "security"),
    ("มีคนแปลกหน้าติดตามทีมงานระหว่างลงพื้นที่ รู้สึกไม่ปลอดภัย ขอคำแนะนำด้วยครับ",
     "obstacle", "security"),
    ("เจ้าหน้าที่ตั้งด่านตรวจเข้มทางเข้าหมู่บ้าน การเดินทางไปจัดกิจกรรมลำบากมาก 😟",
     "obstacle", "security"),
    ("เยาวชนไม่ค่อยมาเข้าร่วมกิจกรรม มาแค่ ๕ คน จากที่เชิญไว้ ๓๐ คน", "obstacle", "participation"),
    ("ผู้หญิงในชุมชนไม่กล้าแสดงความคิดเห็นในเวที ต้องหาวิธีให้มีส่วนร่วมมากขึ้น",
     "obstacle", "participation"),
    ("ชาวบ้านบางกลุ่มไม่ไว้ใจโครงการ ไม่ยอมมาประชุม คิดว่าเป็นงานของรัฐ",
     "obstacle", "participation"),
    ("ถนนเข้าหมู่บ้านชำรุดหนักหลังฝนตก รถเข้าไม่ได้ ต้องเดินเท้าเข้าไปสองกิโล",
     "obstacle", "infrastructure"),
    ("ไฟฟ้าดับทั้งหมู่บ้านมาสามวันแล้ว ศาลาประชาคมใช้จัดกิจกรรมไม่ได้", "obstacle", "infrastructure"),
    ("สัญญาณโทรศัพท์ในพื้นที่ไม่มีเลย ส่งรายงานได้ช้า ต้องขับรถออกมาส่งในเมือง",
     "obstacle", "infrastructure"),
    ("ราคายางตกต่ำมาก ชาวบ้านไม่มีรายได้ หลายคนต้องไปทำงานที่มาเลเซีย", "obstacle", "livelihood"),
    ("กลุ่มอาชีพเลี้ยงปลาในกระชังขาดทุน ปลาตายเพราะน้ำเสีย ต้องการความช่วยเหลือ",
     "obstacle", "livelihood"),
    ("พบเยาวชนมั่วสุมเสพยาเสพติดในพื้นที่ ยาบ้าระบาดหนักในหมู่บ้าน ผู้ปกครองกังวลมาก",
     "obstacle", "drugs"),
    ("มีการค้ายาบ้าในหมู่บ้าน แกนนำชุมชนไม่กล้าแจ้งเจ้าหน้าที่ เพราะกลัวถูกทำร้าย",
     "obstacle", "drugs"),
    ("ผู้ประสานงานป่วยกะทันหัน ไม่มีคนแทน ต้องเลื่อนกิจกรรมถอดบทเรียนออกไปก่อน", "obstacle", "other"),
    ("น้ำท่วมหนักในอำเภอหนองจิก ชาวบ้านอพยพ กิจกรรมทั้งหมดต้องหยุดชั่วคราว", "obstacle", "other"),
)  # fmt: skip

PROGRESS_TEXTS = tuple(t for t, kind, _ in TEXTS if kind == "progress")
OBSTACLE_TEXTS = tuple((t, cat) for t, kind, cat in TEXTS if kind == "obstacle")
# Typed answers: a head count (Thai and Arabic digits), "skip", and a severity.
COUNTS = ("๓๐ คน", "25 คน", "๑๒ คน", "40", "๘ คน", "18 คน")
SKIP = "ข้าม"
SEVERITIES = ("เร่งด่วน", "ปานกลาง", "ไม่เร่งด่วน")  # typed, as the buttons read
SEVERITY_CODES = {"เร่งด่วน": "high", "ปานกลาง": "medium", "ไม่เร่งด่วน": "low"}
MONTHS = THAI_MONTHS["th_short"]
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


@dataclass(frozen=True, slots=True)
class Msg:
    """One message a coordinator sends: typed `text` or a button's `data`."""

    user: int  # coordinator index, 0-based
    seq: int  # position in that coordinator's own sequence
    text: str | None = None
    data: str | None = None
    # report (a Thai report text), typed (a typed answer), press, command
    role: str = "press"
    stores: bool = False  # this message files a report (the summary's Send)


def _progress(user: int, c: int, seq: int) -> list[Msg]:
    text = PROGRESS_TEXTS[(user * 7 + c) % len(PROGRESS_TEXTS)]
    count = COUNTS[(user + c) % len(COUNTS)]
    if c % 2 == 0:
        opening = [Msg(user, 0, text=text, role="report"), Msg(user, 0, data="progress")]
    else:
        opening = [Msg(user, 0, text="/report", role="command"),
                   Msg(user, 0, text=text, role="report")]  # fmt: skip
    steps = [
        *opening,
        Msg(user, 0, text=count, role="typed"),
        Msg(user, 0, text=SKIP, role="typed"),
        Msg(user, 0, data="send", stores=True),
    ]
    return [_at(m, seq + i) for i, m in enumerate(steps)]


def _obstacle(user: int, c: int, seq: int) -> list[Msg]:
    text, category = OBSTACLE_TEXTS[(user * 11 + c) % len(OBSTACLE_TEXTS)]
    severity = SEVERITIES[(user + c) % len(SEVERITIES)]
    if c % 2 == 0:
        opening = [Msg(user, 0, text=text, role="report"), Msg(user, 0, data="obstacle")]
    else:
        opening = [Msg(user, 0, data="m:obstacle"), Msg(user, 0, text=text, role="report")]
    steps = [
        *opening,
        Msg(user, 0, data=f"cat:{category}"),
        Msg(user, 0, text=severity, role="typed"),
        Msg(user, 0, text=SKIP, role="typed"),  # no photo or location
        Msg(user, 0, data="send", stores=True),
    ]
    return [_at(m, seq + i) for i, m in enumerate(steps)]


def _at(m: Msg, seq: int) -> Msg:
    return Msg(m.user, seq, m.text, m.data, m.role, m.stores)


def coordinator_script(user: int, count: int) -> list[Msg]:
    """The first `count` messages of one coordinator (whole cycles, then a partial one)."""
    out: list[Msg] = []
    c = 0
    while len(out) < count:
        out += _progress(user, c, len(out))
        out += _obstacle(user, c, len(out))
        c += 1
    return out[:count]


def dated(text: str, n: int) -> str:
    """The report text as sent on a given day about a given village: "12 พ.ย. … (หมู่ 3)"."""
    # Real reports are all different. Without this the 40 texts would repeat, and a
    # per-text cache in the system under test would hide the cost of the Thai NLP.
    day, month, moo = n % 28 + 1, MONTHS[(n // 28) % 12], (n // 336) % 20 + 1
    head, tail = f"{day} {month}", f"(หมู่ {moo})"
    if n % 3 == 0:  # some phones type Thai digits
        head, tail = head.translate(THAI_DIGITS), tail.translate(THAI_DIGITS)
    return f"{head} {text} {tail}"


def build(messages: int, coordinators: int) -> list[Msg]:
    """All messages in arrival order: coordinators take turns, each keeps their own order.

    Report texts are dated so that none repeats within 6,720 report texts.
    """
    per = [messages // coordinators + (1 if u < messages % coordinators else 0)
           for u in range(coordinators)]  # fmt: skip
    scripts = [coordinator_script(u, n) for u, n in enumerate(per)]
    out: list[Msg] = []
    for i in range(max(per, default=0)):
        out += [s[i] for s in scripts if i < len(s)]
    n = 0
    for i, m in enumerate(out):
        if m.role == "report" and m.text is not None:
            out[i] = Msg(m.user, m.seq, dated(m.text, n), m.data, m.role, m.stores)
            n += 1
    return out


def partition(seq: list[Msg], workers: int) -> list[list[Msg]]:
    """Split into per-worker queues; a coordinator belongs to one worker, so order holds."""
    queues: list[list[Msg]] = [[] for _ in range(workers)]
    for m in seq:
        queues[m.user % workers].append(m)
    return [q for q in queues if q]


def mix(seq: list[Msg]) -> dict[str, int]:
    """How many of each role, plus texts vs presses/commands and the reports to expect."""
    roles = Counter(m.role for m in seq)
    return {
        "report texts": roles["report"],
        "typed answers": roles["typed"],
        "presses": roles["press"],
        "commands": roles["command"],
        "texts total": roles["report"] + roles["typed"],
        "presses+commands": roles["press"] + roles["command"],
        "reports expected": sum(m.stores for m in seq),
    }


def _check() -> None:
    # Keep the texts realistic: 30–120 characters, as coordinators write them.
    for text, _kind, _cat in TEXTS:
        assert 30 <= len(text) <= 120, (len(text), text)
        assert len(dated(text, 28 * 12 * 20 - 1)) <= 120, text


_check()
