"""The weekly chart draws Thai in Sarabun: glyphs, not empty boxes."""

from __future__ import annotations

import io
import warnings

from matplotlib.figure import Figure
from PIL import Image, ImageChops

from bot import charts

THAI = "ผู้เข้าร่วม ปั้น"


def _ink(png: bytes, box: tuple[int, int, int, int] | None = None) -> Image.Image:
    image = Image.open(io.BytesIO(png)).convert("L")
    return image.crop(box) if box else image


def _word(text: str, family: str) -> Image.Image:
    """One line of text drawn the way the charts draw it."""
    with charts.style(family):
        fig = Figure(figsize=(3, 0.6), dpi=100)
        fig.text(0.02, 0.3, text, fontsize=20)
        return _ink(charts.to_png(fig))


def test_thai_glyphs_are_drawn_not_boxes() -> None:
    # A code point no font has is drawn as the font's empty box (.notdef): the reference.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the missing glyph is the point here
        box = _word("\U000f0000" * len(THAI), charts.FAMILY)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)"
        thai = _word(THAI, charts.FAMILY)
    assert ImageChops.difference(thai, box).getbbox() is not None  # not the box shapes
    assert thai.getextrema()[0] < 100  # and there is ink
    # The same word without Sarabun is boxes: the check can tell the difference.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        missing = _word(THAI, "DejaVu Sans")
    assert ImageChops.difference(thai, missing).getbbox() is not None


def test_the_chart_title_region_is_thai_text() -> None:
    weeks = ["6 ต.ค.", "13 ต.ค.", "20 ต.ค.", "27 ต.ค.", "3 พ.ย.", "10 พ.ย.", "17 พ.ย.", "24 พ.ย."]
    series = {"ปัตตานี": [3, 4, 5, 6, 2, 3, 4, 5], "ยะลา": [1, 2, 3, 1, 2, 3, 4, 2]}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = charts.bars_per_week("รายงานความก้าวหน้าต่อจังหวัด", weeks, series, "จำนวนรายงาน")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boxes = charts.bars_per_week("รายงานความก้าวหน้าต่อจังหวัด", weeks, series, "จำนวนรายงาน",
                                     family="DejaVu Sans")  # fmt: skip
    title = (200, 0, 600, 40)  # the title band of the 800x450 image
    drawn, tofu = _ink(png, title), _ink(boxes, title)
    assert drawn.getextrema()[0] < 100  # ink in the title band
    assert ImageChops.difference(drawn, tofu).getbbox() is not None
    assert Image.open(io.BytesIO(png)).size == (800, 450)
