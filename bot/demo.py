"""Reference geography and demo data, so a person can try Prasan in a minute."""

from __future__ import annotations

import csv
from importlib import resources

from storage.store import Store, Tx

DEMO_AREAS = (
    ("PTN01", "บ้านบางปู", "ยะหริ่ง", "ปัตตานี"),
    ("PTN02", "บ้านตะโละกาโปร์", "ยะหริ่ง", "ปัตตานี"),
    ("PTN03", "บ้านปะเสยะวอ", "สายบุรี", "ปัตตานี"),
    ("YLA01", "บ้านบันนังสตา", "บันนังสตา", "ยะลา"),
    ("YLA02", "บ้านธารโต", "ธารโต", "ยะลา"),
    ("YLA03", "บ้านลำใหม่", "เมืองยะลา", "ยะลา"),
    ("NWT01", "บ้านบาเจาะ", "บาเจาะ", "นราธิวาส"),
    ("NWT02", "บ้านโคกเคียน", "เมืองนราธิวาส", "นราธิวาส"),
    ("NWT03", "บ้านรือเสาะ", "รือเสาะ", "นราธิวาส"),
    ("SKA01", "บ้านนาทับ", "จะนะ", "สงขลา"),
    ("SKA02", "บ้านสะกอม", "เทพา", "สงขลา"),
    ("SKA03", "บ้านทุ่งพอ", "นาทวี", "สงขลา"),
)
# (console name, person name, role, scope)
DEMO_PEOPLE = (
    ("somchai", "สมชาย ใจดี", "coordinator", [("area", "PTN01"), ("area", "PTN02")]),
    ("fatimah", "ฟาตีมะห์ ดอเลาะ", "coordinator", [("area", "YLA01")]),
    ("arunee", "อรุณี ศรีสุข", "supervisor", [("province", "ปัตตานี")]),
    ("admin", "เจ้าหน้าที่สำนักงานโครงการ", "admin", [("all", None)]),
)


def districts_csv() -> list[dict[str, str]]:
    """The 37 districts in scope, with their provinces (Thai and English names)."""
    text = resources.files("bot").joinpath("data/districts.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


async def load_geography(tx: Tx) -> int:
    """Provinces and districts in scope (idempotent); returns the district count."""
    count = 0
    for row in districts_csv():
        pid = await tx.upsert_province(row["province_th"], row["province_en"])
        await tx.upsert_district(pid, row["district_th"], row["district_en"])
        count += 1
    return count


async def load_demo(store: Store) -> list[str]:
    """Geography, a dozen areas and four demo people with console identities."""
    lines = []
    async with store.tx() as tx:
        await load_geography(tx)
        for code, name, district, province in DEMO_AREAS:
            pid = await tx.find_province(province)
            assert pid is not None
            did = await tx.find_district(district, pid)
            assert did is not None, district
            await tx.upsert_area(code, name, did)
        for console_name, name, role, scope in DEMO_PEOPLE:
            ident = await tx.ensure_identity("console", console_name)
            if ident.person_id is None:
                entries = [[kind, await _ref(tx, kind, ref)] for kind, ref in scope]
                pid = await tx.create_person(name, role, entries)
                await tx.update_identity(ident.id, person_id=pid)
            lines.append(f"{role:<12} {name}  →  prasan console --as {console_name}")
        await tx.audit("cli", "demo_loaded", areas=len(DEMO_AREAS), people=len(DEMO_PEOPLE))
    return lines


async def other_people(tx: Tx) -> int:
    """How many people (active or not, not erased) are not the demo people."""
    demo = set()
    for console_name, *_ in DEMO_PEOPLE:
        ident = await tx.identity("console", console_name)
        if ident is not None and ident.person_id is not None:
            demo.add(ident.person_id)
    return len([p for p in await tx.find_people(active=None) if p.id not in demo])


async def _ref(tx: Tx, kind: str, ref: str | None) -> int | None:
    if kind == "area":
        area = await tx.area_by_code(str(ref))
        assert area is not None
        return area.id
    if kind == "province":
        return await tx.find_province(str(ref))
    return None
