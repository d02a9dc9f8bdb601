"""Episode cover art: generate a clean square cover, or validate one the user supplies.

Podcast apps want a square RGB JPEG or PNG between 1400 and 3000 pixels a side. The generated
cover shows the title large, the speakers smaller, and a row of waveform bars, in colours derived
from a hash of the title, so the same inputs always give the same bytes.

Text is set in the font bundled with Pillow (Aileron) when it has every character needed. It
lacks accents, dashes and all non-Latin scripts, so otherwise the first installed font from
:data:`FALLBACK_FONTS` that covers the text is used (or ``font_path`` when given); bytes are then
reproducible on machines with the same fonts. Characters no font can draw are left out rather
than drawn as empty boxes; a title with nothing drawable leaves a cover of colour and waveform.
Chinese, Japanese and Korean text wraps between characters.
"""

from __future__ import annotations

import colorsys
import functools
import hashlib
import io
import re
import warnings
from pathlib import Path
from typing import Sequence

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from .errors import InputError
from .fsutil import atomic_write_bytes, read_bounded

MIN_SIZE = 1400
MAX_SIZE = 3000
MAX_TITLE_LINES = 5
MAX_SPEAKER_ROWS = 5
_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}
MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
MAX_SIDE = 6000                 # a cover or chapter image may have at most MAX_SIDE x MAX_SIDE pixels
MAX_PIXELS = MAX_SIDE * MAX_SIDE

Colour = tuple[int, int, int]


FALLBACK_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/arial.ttf",
)
_PROBE_PX = 48
_NEVER_A_GLYPH = "\U0010fffd"  # a private-use code point: renders as the font's "missing" box


class _Family:
    """One font file (``None``: Pillow's bundled font) at any pixel size."""

    def __init__(self, path: str | None):
        self.path = path
        self._known: dict[str, bool] = {}

    def at(self, px: int):
        if self.path is not None:
            return ImageFont.truetype(self.path, px)
        try:
            return ImageFont.load_default(size=px)
        except TypeError:  # Pillow < 10.1: no size argument, a small bitmap font
            return ImageFont.load_default()

    @functools.cached_property
    def _probe(self):
        return self.at(_PROBE_PX)

    @functools.cached_property
    def _missing(self) -> tuple:
        return _mask_signature(self._probe, _NEVER_A_GLYPH)

    def has(self, ch: str) -> bool:
        """Whether the font has a glyph for ``ch`` (judged by its rendering: not the "missing"
        box, not empty)."""
        if ch.isspace():
            return True
        if ch not in self._known:
            if isinstance(self._probe, ImageFont.FreeTypeFont):
                sig = _mask_signature(self._probe, ch)
                self._known[ch] = sig != self._missing and sig[0] != (0, 0)
            else:
                self._known[ch] = ch.isascii()
        return self._known[ch]

    def coverage(self, text: str) -> int:
        return sum(self.has(ch) for ch in set(text))


def _mask_signature(font, ch: str) -> tuple:
    mask = font.getmask(ch)
    return mask.size, bytes(mask)


def _family_for(text: str, font_path: str | None) -> _Family:
    """The first font that can draw every character of ``text`` (else the one that draws most)."""
    if font_path is not None:
        try:
            return _checked(_Family(str(font_path)))
        except OSError as err:
            raise InputError(f"{font_path}: cannot load font ({err})") from None
    chars = set(text)
    best, best_count = None, -1
    for path in (None, *FALLBACK_FONTS):
        if path is not None and not Path(path).is_file():
            continue
        try:
            family = _checked(_Family(path))
        except OSError:
            continue
        count = family.coverage(text)
        if count == len(chars):
            return family
        if count > best_count:
            best, best_count = family, count
    return best if best is not None else _Family(None)


def _checked(family: _Family) -> _Family:
    family._probe  # noqa: B018 - loading it raises OSError for an unreadable font file
    return family


def _drawable(text: str, family: _Family) -> str:
    """``text`` without the characters ``family`` has no glyph for."""
    return " ".join("".join(ch for ch in text if family.has(ch)).split())


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


# scripts written without spaces: a line may break between any two of their characters
_CJK = "\u2e80-\u2fff\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af" \
       "\uf900-\ufaff\uff00-\uffef"
_TOKEN = re.compile(f"\\s+|[{_CJK}]|[^\\s{_CJK}]+")


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str] | None:
    """Greedy wrap to ``width`` pixels at spaces (and between CJK characters);
    ``None`` if a single word is wider than that."""
    lines: list[str] = []
    current, space = "", False
    for token in _TOKEN.findall(text):
        if token.isspace():
            space = True
            continue
        if draw.textlength(token, font=font) > width:
            return None
        candidate = current + (" " if space and current else "") + token
        space = False
        if draw.textlength(candidate, font=font) <= width:
            current = candidate
        else:
            lines.append(current)
            current = token
    if current:
        lines.append(current)
    return lines


def _fit_title(draw, title: str, family: _Family, width: int, max_height: int, size: int):
    """Largest font size (from a seventh of the cover down) at which the title fits."""
    px = size // 7
    while True:
        font = family.at(px)
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


def render_cover(title: str, speakers: Sequence[str], size: int = MIN_SIZE, *,
                 font_path: str | Path | None = None) -> Image.Image:
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

    names = [" ".join(str(s).split()) for s in speakers if str(s).strip()]
    family = _family_for(title + "".join(names) + "+ more…", font_path)
    shown_title = _drawable(title, family)
    names = [n for n in (_drawable(n, family) for n in names) if n]

    # speakers: up to four in one column, more in two columns of at most five rows
    cols = 1 if len(names) <= 4 else 2
    rows = min(-(-len(names) // cols), MAX_SPEAKER_ROWS)
    if len(names) > rows * cols:
        keep = rows * cols - 1
        names = names[:keep] + [f"+ {len(names) - keep} more"]
    sfont = family.at(round(size * 0.042))
    s_line_h = round(size * 0.042 * 1.35)
    gap = round(size * 0.04)
    rule_h = max(6, size // 180)
    below_title = (gap + rule_h + gap + rows * s_line_h) if names else 0

    # title: large, wrapped, top-left; faux bold with a stroke of the same colour
    room = wave_bottom - wave_h - gap - margin - below_title
    y = margin
    lines: list[str] = []
    if shown_title:
        font, lines, line_h = _fit_title(draw, shown_title, family, inner,
                                         min(room, round(size * 0.5)), size)
        stroke = max(1, font.size // 40) if hasattr(font, "size") else 0
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


def make_cover(title: str, speakers: Sequence[str], out_path: Path, size: int = MIN_SIZE, *,
               font_path: str | Path | None = None) -> Path:
    """Write a square cover (JPEG for ``.jpg``/``.jpeg``, PNG for ``.png``) and return its path.

    The same title, speakers, size, Pillow version and fonts give the same bytes. ``font_path``
    forces a TrueType/OpenType font file instead of the automatic choice.
    """
    out_path = Path(out_path)
    fmt = _FORMATS.get(out_path.suffix.lower())
    if fmt is None:
        raise InputError(f"{out_path}: cover must end in .jpg, .jpeg or .png")
    img = render_cover(title, speakers, size, font_path=font_path)
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
        data = read_bounded(path, "image")
    except OSError as err:
        raise InputError(f"{path}: cannot read cover image ({err.strerror or err})") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)   # the size is checked below
            img = Image.open(io.BytesIO(data))
        with img:
            fmt = img.format
            if img.width * img.height > MAX_PIXELS:     # checked before decoding
                raise InputError(f"{path}: the image is {img.width}x{img.height}; at most "
                                 f"{MAX_SIDE}x{MAX_SIDE} pixels are accepted")
            img.load()  # decode fully: catches truncated files that open() accepts
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError,
            ValueError) as err:
        raise InputError(f"{path}: not a readable JPEG or PNG image ({err})") from None
    if fmt not in MIME_TYPES:
        raise InputError(f"{path}: cover image must be JPEG or PNG, not {fmt}")
    return data, MIME_TYPES[fmt]
