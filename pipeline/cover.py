"""Episode cover art: generate a clean square cover, or validate one the user supplies.

Podcast apps want a square RGB JPEG or PNG between 1400 and 3000 pixels a side. The generated
cover shows the title large, the speakers smaller, and a row of waveform bars, in colours derived
from a hash of the title, so the same inputs always give the same bytes (same Pillow version).
"""

from __future__ import annotations

import colorsys
import hashlib
import io
from pathlib import Path
from typing import Sequence

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from .errors import InputError
from .fsutil import atomic_write_bytes

MIN_SIZE = 1400
MAX_SIZE = 3000
MAX_TITLE_LINES = 5
MAX_SPEAKER_ROWS = 5
_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}
MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}

Colour = tuple[int, int, int]


def _font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled scalable font (Pillow >= 10.1 with FreeType), else its bitmap default."""
    try:
        return ImageFont.load_default(size=px)
    except TypeError:  # Pillow < 10.1: no size argument
        return ImageFont.load_default()


def _hsv(h: float, s: float, v: float) -> Colour:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return round(r * 255), round(g * 255), round(b * 255)


def palette(title: str) -> dict[str, Colour]:
    """The cover's colours, derived from a SHA-256 of the title (stable across runs and machines)."""
    digest = hashlib.sha256(title.encode("utf-8")).digest()
    hue = int.from_bytes(digest[:2], "big") / 65536
    return {
        "top": _hsv(hue, 0.60, 0.30),
        "bottom": _hsv(hue + 0.04, 0.70, 0.14),
        "accent": _hsv(hue + 0.45, 0.55, 0.95),
        "title": (248, 247, 242),
        "speakers": _hsv(hue + 0.45, 0.15, 0.92),
    }


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str] | None:
    """Greedy word wrap to ``width`` pixels; ``None`` if a single word is wider than that."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        if draw.textlength(word, font=font) > width:
            return None
        candidate = f"{current} {word}" if current else word
        if draw.textlength(candidate, font=font) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def _fit_title(draw, title: str, width: int, max_height: int, size: int):
    """Largest font size (from a seventh of the cover down) at which the title fits."""
    px = size // 7
    while True:
        font = _font(px)
        lines = _wrap(draw, title, font, width)
        line_h = round(px * 1.15)
        if lines is not None and len(lines) <= MAX_TITLE_LINES and line_h * len(lines) <= max_height:
            return font, lines, line_h
        if px <= size // 40:
            # absurdly long title: cut it rather than make it unreadable
            lines = (lines or _wrap_hard(draw, title, font, width))[:MAX_TITLE_LINES]
            lines[-1] = lines[-1].rstrip(" .,;:") + "…"
            return font, lines, line_h
        px -= max(2, px // 20)


def _wrap_hard(draw, text: str, font, width: int) -> list[str]:
    """Wrap character by character (for words wider than the box)."""
    lines, current = [], ""
    for ch in " ".join(text.split()):
        if draw.textlength(current + ch, font=font) > width and current:
            lines.append(current.strip())
            current = ch
        else:
            current += ch
    if current.strip():
        lines.append(current.strip())
    return lines


def _fit_line(draw, text: str, font, width: int) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _gradient(size: int, top: Colour, bottom: Colour) -> Image.Image:
    ramp = Image.linear_gradient("L").resize((size, size))
    return Image.composite(Image.new("RGB", (size, size), bottom),
                           Image.new("RGB", (size, size), top), ramp)


def render_cover(title: str, speakers: Sequence[str], size: int = MIN_SIZE) -> Image.Image:
    """The cover as a Pillow RGB image (see :func:`make_cover`)."""
    title = " ".join(str(title).split())
    if not title:
        raise InputError("cover: the episode title is empty")
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise InputError(f"cover: size {size} px is outside {MIN_SIZE}-{MAX_SIZE} px")
    colours = palette(title)
    img = _gradient(size, colours["top"], colours["bottom"])
    draw = ImageDraw.Draw(img)
    margin = round(size * 0.08)
    inner = size - 2 * margin

    # waveform bars along the bottom, heights from the title's hash
    wave_h = round(size * 0.12)
    wave_bottom = size - margin
    seed = hashlib.sha256(("bars:" + title).encode("utf-8")).digest()
    bars = 32
    pitch = inner / bars
    bar_w = max(4, round(pitch * 0.55))
    for i in range(bars):
        level = 0.18 + 0.82 * (seed[i] / 255) * (0.55 + 0.45 * abs(((i / (bars - 1)) * 2) - 1))
        h = max(bar_w, round(wave_h * level))
        x0 = round(margin + i * pitch + (pitch - bar_w) / 2)
        draw.rounded_rectangle((x0, wave_bottom - h, x0 + bar_w, wave_bottom), radius=bar_w // 2,
                               fill=colours["accent"])

    # speakers: up to four in one column, more in two columns of at most five rows
    names = [" ".join(str(s).split()) for s in speakers if str(s).strip()]
    cols = 1 if len(names) <= 4 else 2
    rows = min(-(-len(names) // cols), MAX_SPEAKER_ROWS)
    if len(names) > rows * cols:
        keep = rows * cols - 1
        names = names[:keep] + [f"+ {len(names) - keep} more"]
    sfont = _font(round(size * 0.042))
    s_line_h = round(size * 0.042 * 1.35)
    gap = round(size * 0.04)
    rule_h = max(6, size // 180)
    below_title = (gap + rule_h + gap + rows * s_line_h) if names else 0

    # title: large, wrapped, top-left; faux bold with a stroke of the same colour
    room = wave_bottom - wave_h - gap - margin - below_title
    font, lines, line_h = _fit_title(draw, title, inner, min(room, round(size * 0.5)), size)
    stroke = max(1, font.size // 40) if hasattr(font, "size") else 0
    y = margin
    for line in lines:
        draw.text((margin, y), line, font=font, fill=colours["title"],
                  stroke_width=stroke, stroke_fill=colours["title"])
        y += line_h

    # accent rule, then the speakers
    rule_y = y + gap
    draw.rectangle((margin, rule_y, margin + round(size * 0.16), rule_y + rule_h),
                   fill=colours["accent"])
    col_w = inner if cols == 1 else (inner - gap) // 2
    top = rule_y + rule_h + gap
    for k, name in enumerate(names):
        col, row = divmod(k, rows)
        draw.text((margin + col * (col_w + gap), top + row * s_line_h),
                  _fit_line(draw, name, sfont, col_w), font=sfont, fill=colours["speakers"])
    return img


def make_cover(title: str, speakers: Sequence[str], out_path: Path, size: int = MIN_SIZE) -> Path:
    """Write a square cover (JPEG for ``.jpg``/``.jpeg``, PNG for ``.png``) and return its path.

    The same title, speakers, size and Pillow version give the same bytes.
    """
    out_path = Path(out_path)
    fmt = _FORMATS.get(out_path.suffix.lower())
    if fmt is None:
        raise InputError(f"{out_path}: cover must end in .jpg, .jpeg or .png")
    img = render_cover(title, speakers, size)
    buf = io.BytesIO()
    if fmt == "JPEG":
        img.save(buf, "JPEG", quality=90, subsampling=0, optimize=True)
    else:
        img.save(buf, "PNG", optimize=True)
    return atomic_write_bytes(out_path, buf.getvalue())


def load_cover(path: Path) -> tuple[bytes, str]:
    """Read a user's cover image; return its bytes and MIME type (``image/jpeg`` / ``image/png``).

    Raises :class:`InputError` naming the file when it is missing or not a readable JPEG/PNG.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot read cover image ({err.strerror or err})") from None
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            img.load()  # decode fully: catches truncated files that open() accepts
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError,
            ValueError) as err:
        raise InputError(f"{path}: not a readable JPEG or PNG image ({err})") from None
    if fmt not in MIME_TYPES:
        raise InputError(f"{path}: cover image must be JPEG or PNG, not {fmt}")
    return data, MIME_TYPES[fmt]
