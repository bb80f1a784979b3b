"""Certificate PDFs: pure rendering from a frozen dataclass to PDF bytes (no ORM, no storage).

``layout()`` turns a CertificateData into positioned drawing operations (text runs, lines, images, the QR code)
on an A4 page; a backend writes them out. ``render_certificate`` is the one to call; ``render_certificate_naive``
draws the same layout the straightforward reportlab way (reportlab's QR widget included) and exists for the
benchmark and as a reference in tests.
"""

import hashlib
import io
import string
import struct
import zlib
from dataclasses import dataclass, field
from functools import cache, lru_cache

from django.utils.translation import gettext
from PIL import Image
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4, landscape, portrait
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from certificates import qr
from certificates.fonts import font_paths, load_font


@dataclass(frozen=True)
class Signatory:
    name: str
    role: str
    signature_png: bytes | None = None


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on one certificate, already formatted for print (strings in Spanish).

    ``body`` is the template text with its placeholders already replaced; it may hold line breaks and is
    wrapped by the renderer. ``hours`` is printed as given under "Duration" (e.g. "40 horas cronológicas");
    ``grade`` and ``attendance`` are left out when None. Images are PNG (or JPEG) bytes.
    """

    title: str
    issuer_name: str
    issuer_rut: str
    issuer_logo_png: bytes | None
    body: str
    learner_name: str
    learner_run: str
    course_title: str
    hours: str
    modality: str
    dates: str
    grade: str | None
    attendance: str | None
    city_and_date: str
    folio: str
    verification_code: str
    verify_url: str
    signatories: tuple[Signatory, ...] = ()
    orientation: str = "landscape"
    # How the document is introduced: None prints "RUN"; "" prints learner_run as given ("Pasaporte AB123…").
    document_label: str | None = None

    def __post_init__(self):
        if self.orientation not in ("landscape", "portrait"):
            raise ValueError(f"orientation must be 'landscape' or 'portrait', not {self.orientation!r}")
        if len(self.signatories) > 3:
            raise ValueError("a certificate has at most three signatories")


# --- Layout ----------------------------------------------------------------------------------------------------

NAVY = (0.122, 0.227, 0.373)
GOLD = (0.690, 0.553, 0.235)
INK = (0.10, 0.10, 0.12)
GREY = (0.36, 0.38, 0.42)
LIGHT = (0.75, 0.77, 0.80)


@dataclass(frozen=True)
class Text:
    font: str  # a role in certificates.fonts.FONT_FILES
    size: float
    x: float
    y: float
    text: str
    color: tuple[float, float, float] = INK


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    color: tuple[float, float, float]


@dataclass(frozen=True)
class Frame:
    x: float
    y: float
    w: float
    h: float
    width: float
    color: tuple[float, float, float]


@dataclass(frozen=True)
class Picture:
    ref: str  # "logo" or "signature-<n>"
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class QRCode:
    x: float
    y: float
    size: float
    text: str


@dataclass
class Layout:
    width: float
    height: float
    ops: list = field(default_factory=list)


@cache
def _reportlab_fonts() -> dict[str, str]:
    """Register the TrueType fonts with reportlab once per process; role → reportlab font name."""
    names = {}
    for role, path in font_paths().items():
        name = f"Cert-{role}"
        pdfmetrics.registerFont(TTFont(name, str(path)))
        names[role] = name
    return names


def text_width(font: str, size: float, text: str) -> float:
    """Advance width of `text` in points, as the PDF viewer will advance it (widths rounded to 1/1000 em)."""
    return load_font(font).width(text, size)


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap of `text` (which may hold line breaks) to lines no wider than `width`."""
    lines = []
    space = text_width(font, size, " ")
    for paragraph in text.replace("\r\n", "\n").split("\n"):
        words = paragraph.split()
        if not words:
            if lines:
                lines.append("")
            continue
        current, current_width = "", 0.0
        for word in words:
            word_width = text_width(font, size, word)
            while word_width > width:  # a single word longer than the line: break it
                cut = len(word) - 1
                while cut > 1 and text_width(font, size, word[:cut]) > width:
                    cut -= 1
                if current:
                    lines.append(current)
                    current, current_width = "", 0.0
                lines.append(word[:cut])
                word = word[cut:]
                word_width = text_width(font, size, word)
            if current and current_width + space + word_width > width:
                lines.append(current)
                current, current_width = word, word_width
            elif current:
                current, current_width = f"{current} {word}", current_width + space + word_width
            else:
                current, current_width = word, word_width
        if current:
            lines.append(current)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def image_size(data: bytes) -> tuple[int, int]:
    """Pixel size of a PNG or JPEG image, read from its header."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return struct.unpack(">II", data[16:24])
    if data[:2] == b"\xff\xd8":
        index = 2
        while index < len(data):
            marker, length = data[index + 1], struct.unpack(">H", data[index + 2 : index + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return width, height
            index += 2 + length
    raise ValueError("certificate images must be PNG or JPEG")


def _fit(data: bytes, max_w: float, max_h: float) -> tuple[float, float]:
    width, height = image_size(data)
    scale = min(max_w / width, max_h / height)
    return width * scale, height * scale


class _Builder:
    def __init__(self, width: float, height: float):
        self.layout = Layout(width, height)

    def text(self, font, size, x, y, text, color=INK, align="left"):
        if not text:
            return
        if align != "left":
            w = text_width(font, size, text)
            x = x - w / 2 if align == "center" else x - w
        self.layout.ops.append(Text(font, size, round(x, 2), round(y, 2), text, color))

    def add(self, op):
        self.layout.ops.append(op)


def _fitted_size(font: str, text: str, size: float, minimum: float, width: float) -> float:
    while size > minimum and text_width(font, size, text) > width:
        size -= 0.5
    return size


def _block(text: str, font: str, size: float, width: float, max_lines: int, minimum: float) -> tuple[float, list[str]]:
    """Wrap `text` to `width`, shrinking from `size` towards `minimum` until it takes at most `max_lines` lines.

    Nothing is ever cut: at the minimum size the text takes as many lines as it needs.
    """
    lines = wrap(text, font, size, width)
    while len(lines) > max_lines and size > minimum:
        size = max(minimum, size - 0.5)
        lines = wrap(text, font, size, width)
    return size, lines


def layout(data: CertificateData) -> Layout:
    """Place every field of `data` on an A4 page (landscape or portrait); sizes shrink so that nothing overlaps."""
    page_w, page_h = landscape(A4) if data.orientation == "landscape" else portrait(A4)
    wide = data.orientation == "landscape"
    b = _Builder(page_w, page_h)
    b.add(Frame(20, 20, page_w - 40, page_h - 40, 2.4, NAVY))
    b.add(Frame(27, 27, page_w - 54, page_h - 54, 0.7, GOLD))
    left, right = 56.0, page_w - 56.0
    content_w = right - left
    center = page_w / 2

    # Top: folio, logo, issuer, title.
    folio = f"{gettext('Folio')} {data.folio}"
    folio_size = _fitted_size("sans", folio, 8.5, 6, 150)
    b.text("sans", folio_size, right, page_h - 48, folio, GREY, align="right")
    y = page_h - 44
    if data.issuer_logo_png:
        w, h = _fit(data.issuer_logo_png, 200, 58 if wide else 64)
        b.add(Picture("logo", center - w / 2, y - h, w, h))
        y -= h + 16
    else:
        y -= 24
    issuer_size, issuer_lines = _block(data.issuer_name, "sans_bold", 11, min(content_w - 40, 480), 2, 8)
    for line in issuer_lines:
        b.text("sans_bold", issuer_size, center, y, line, NAVY, align="center")
        y -= issuer_size * 1.25
    b.text("sans", 8.5, center, y, f"{gettext('RUT')} {data.issuer_rut}", GREY, align="center")
    title = data.title.upper()
    size = _fitted_size("serif_bold", title, 28 if wide else 24, 16, content_w)
    size, title_lines = _block(title, "serif_bold", size, content_w, 1, 14)
    y -= 14
    for line in title_lines:
        y -= size
        b.text("serif_bold", size, center, y, line, NAVY, align="center")
        y -= size * 0.2
    y -= 8
    b.add(Line(center - 70, y, center + 70, y, 1.2, GOLD))
    middle_top = y - 4

    # Bottom: verification code, URL and QR code; signatures; city and date.
    bottom = 44.0
    qr_size = 84.0 if wide else 92.0
    qr_x, qr_y = right - qr_size + 6, bottom - 6
    b.add(QRCode(qr_x, qr_y, qr_size, data.verify_url))
    footer_w = qr_x - left - 6
    b.text("sans", 7.5, left, bottom + 30, gettext("Verification code"), GREY)
    code_size = _fitted_size("sans_bold", data.verification_code, 10.5, 7, footer_w)
    b.text("sans_bold", code_size, left, bottom + 16, data.verification_code, INK)
    verify_label = gettext("Verify this certificate at")
    label_w = text_width("sans", 8, verify_label) + 4
    url_size = _fitted_size("sans", data.verify_url, 8, 4, footer_w - label_w)
    b.text("sans", 8, left, bottom + 3, verify_label, GREY)
    b.text("sans", url_size, left + label_w, bottom + 3, data.verify_url, NAVY)
    footer_top = bottom + 46

    signatories = data.signatories
    if wide:
        sig_left, sig_right, floor = left, qr_x - 10, footer_top
    else:
        sig_left, sig_right, floor = left, right, qr_y + qr_size + 2
    top_of_signatures = floor
    if signatories:
        slot = (sig_right - sig_left) / len(signatories)
        line_w = min(slot - 18, 190)
        blocks = []
        for signatory in signatories:
            name_size, name_lines = _block(signatory.name, "sans_bold", 9, slot - 8, 1, 7)
            role_size, role_lines = _block(signatory.role, "sans", 7.5, slot - 8, 2, 6)
            depth = 3 + len(name_lines) * name_size * 1.2 + len(role_lines) * role_size * 1.2
            blocks.append((name_size, name_lines, role_size, role_lines, depth))
        sig_base = max(floor + max(block[4] for block in blocks) + 6, floor + 28)
        for index, (signatory, block) in enumerate(zip(signatories, blocks, strict=True)):
            name_size, name_lines, role_size, role_lines, _depth = block
            cx = sig_left + slot * (index + 0.5)
            if signatory.signature_png:
                w, h = _fit(signatory.signature_png, line_w, 46)
                b.add(Picture(f"signature-{index}", cx - w / 2, sig_base + 3, w, h))
            b.add(Line(cx - line_w / 2, sig_base, cx + line_w / 2, sig_base, 0.6, INK))
            line_y = sig_base - 3
            for line in name_lines:
                line_y -= name_size
                b.text("sans_bold", name_size, cx, line_y, line, INK, align="center")
                line_y -= name_size * 0.2
            for line in role_lines:
                line_y -= role_size
                b.text("sans", role_size, cx, line_y, line, GREY, align="center")
                line_y -= role_size * 0.2
        top_of_signatures = sig_base + 50
    city_y = top_of_signatures + 10
    b.text("sans", 10, center, city_y, data.city_and_date, INK, align="center")
    middle_bottom = city_y + 18

    _place_middle(b, data, left, right, middle_top, middle_bottom)
    return b.layout


def _name_lines(name: str, size: float, width: float) -> tuple[float, list[str]]:
    """The learner's name on one line when it fits at three quarters of `size`, else on two (or more) lines."""
    single = _fitted_size("serif_bold", name, size, size * 0.75, width)
    if text_width("serif_bold", single, name) <= width:
        return single, [name]
    return _block(name, "serif_bold", size, width, 2, 9)


def _detail_cells(data: CertificateData) -> list[tuple[str, str]]:
    cells = [(gettext("Duration"), data.hours), (gettext("Modality"), data.modality), (gettext("Dates"), data.dates)]
    if data.grade:
        cells.append((gettext("Grade"), data.grade))
    if data.attendance:
        cells.append((gettext("Attendance"), data.attendance))
    return cells


def _place_middle(b: _Builder, data: CertificateData, left: float, right: float, top: float, bottom: float) -> None:
    """Learner name, RUN, body and the course details between the title and the city-and-date line.

    Everything shrinks together (down to 40 %) until it fits; the spare height goes into the gaps.
    """
    content_w = right - left
    center = (left + right) / 2
    cells = _detail_cells(data)
    columns = len(cells) if content_w > 600 else min(len(cells), 3)
    cell_w = content_w / columns
    available = top - bottom
    for step in range(13):
        scale = 1 - step * 0.05
        name_size, name_lines = _name_lines(data.learner_name, 25 * scale, content_w)
        run_size = 10 * max(scale, 0.7)
        body_size = 11.5 * scale
        leading = body_size * (1.4 if scale > 0.8 else 1.25)
        body_lines = wrap(data.body, "sans", body_size, min(content_w, 660))
        course_size, course_lines = _block(
            data.course_title, "sans_bold", 12 * scale, content_w - 40, 2 if columns > 3 else 3, 7
        )
        value_size = 9.5 * max(scale, 0.7)
        cell_lines = [_block(value, "sans", value_size, cell_w - 10, 2, 6) for _label, value in cells]
        rows = [cell_lines[i : i + columns] for i in range(0, len(cell_lines), columns)]
        row_heights = [11 + max(len(lines) * size * 1.2 for size, lines in row) for row in rows]
        heights = [
            len(name_lines) * name_size * 1.15,
            run_size + 4,
            len(body_lines) * leading,
            9 + len(course_lines) * course_size * 1.2,
            sum(row_heights) + 4 * len(rows),
        ]
        spare = available - sum(heights)
        if spare >= 5 * 6:
            break
    gap = max(0.0, min(20.0, spare / 5))
    y = top - gap - (spare - 5 * gap) / 2 if spare > 5 * gap else top - gap
    for line in name_lines:
        y -= name_size
        b.text("serif_bold", name_size, center, y, line, INK, align="center")
        y -= name_size * 0.15
    y -= run_size + 2
    label = gettext("RUN") if data.document_label is None else data.document_label
    b.text("sans", run_size, center, y, f"{label} {data.learner_run}".strip(), GREY, align="center")
    y -= 2 + gap
    for line in body_lines:
        y -= body_size
        b.text("sans", body_size, center, y, line, INK, align="center")
        y -= leading - body_size
    y -= gap
    b.text("sans", 7, center, y - 7, gettext("Course").upper(), GREY, align="center")
    y -= 9
    for line in course_lines:
        y -= course_size
        b.text("sans_bold", course_size, center, y, line, NAVY, align="center")
        y -= course_size * 0.2
    y -= gap * 0.6 + 2
    b.add(Line(left + 40, y, right - 40, y, 0.5, LIGHT))
    for row_index, row in enumerate(rows):
        row_cells = cells[row_index * columns : row_index * columns + len(row)]
        row_left = center - len(row) * cell_w / 2
        for col, ((label, _value), (size, lines)) in enumerate(zip(row_cells, row, strict=True)):
            cx = row_left + cell_w * (col + 0.5)
            b.text("sans", 7, cx, y - 9, label.upper(), GREY, align="center")
            line_y = y - 11
            for line in lines:
                line_y -= size
                b.text("sans", size, cx, line_y, line, INK, align="center")
                line_y -= size * 0.2
            if col:
                x = row_left + cell_w * col
                b.add(Line(x, y - 3, x, y - row_heights[row_index], 0.5, LIGHT))
        y -= row_heights[row_index] + 4


def _images(data: CertificateData) -> dict[str, bytes]:
    images = {"logo": data.issuer_logo_png} if data.issuer_logo_png else {}
    for index, signatory in enumerate(data.signatories):
        if signatory.signature_png:
            images[f"signature-{index}"] = signatory.signature_png
    return images


# --- reportlab backend -----------------------------------------------------------------------------------------


def _draw_with_reportlab(data: CertificateData) -> bytes:
    page = layout(data)
    fonts = _reportlab_fonts()
    images = _images(data)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(page.width, page.height), pageCompression=1, initialFontName=fonts["sans"])
    pdf.setTitle(f"{data.title} — {data.learner_name}")
    pdf.setAuthor(data.issuer_name)
    pdf.setSubject(f"{data.folio} {data.verification_code}")
    for op in page.ops:
        if isinstance(op, Text):
            pdf.setFillColorRGB(*op.color)
            pdf.setFont(fonts[op.font], op.size)
            pdf.drawString(op.x, op.y, op.text)
        elif isinstance(op, Line):
            pdf.setStrokeColorRGB(*op.color)
            pdf.setLineWidth(op.width)
            pdf.line(op.x1, op.y1, op.x2, op.y2)
        elif isinstance(op, Frame):
            pdf.setStrokeColorRGB(*op.color)
            pdf.setLineWidth(op.width)
            pdf.rect(op.x, op.y, op.w, op.h, stroke=1, fill=0)
        elif isinstance(op, Picture):
            pdf.drawImage(ImageReader(io.BytesIO(images[op.ref])), op.x, op.y, op.w, op.h, mask="auto")
        elif isinstance(op, QRCode):
            widget = QrCodeWidget(op.text, barLevel="M", barBorder=qr.QUIET_ZONE)
            x1, y1, x2, y2 = widget.getBounds()
            drawing = Drawing(op.size, op.size, transform=[op.size / (x2 - x1), 0, 0, op.size / (y2 - y1), 0, 0])
            drawing.add(widget)
            renderPDF.draw(drawing, pdf, op.x, op.y)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def render_certificate_naive(data: CertificateData) -> bytes:
    """The straightforward reportlab rendering (canvas, subset fonts, reportlab's QR widget); for the benchmark."""
    return _draw_with_reportlab(data)


def render_certificate(data: CertificateData) -> bytes:
    """The certificate as a one-page A4 PDF with embedded fonts, images and a QR code to ``verify_url``.

    Writes the PDF objects directly: per certificate only the layout, a font subset per typeface (from cached
    glyph records), the content stream and the QR code are computed; images are prepared once per image.
    """
    return _write_pdf(layout(data), data)


# --- direct PDF writer -----------------------------------------------------------------------------------------

_FONT_NAMES = {"sans": b"F1", "sans_bold": b"F2", "serif_bold": b"F3"}
_FONT_FLAGS = {"sans": 32, "sans_bold": 32 | 0x40000, "serif_bold": 32 | 2 | 0x40000}
_STEM_V = {"sans": 80, "sans_bold": 140, "serif_bold": 140}
_TOUNICODE_HEAD = (
    b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
    b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
    b"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
    b"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
)
_TOUNICODE_TAIL = b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"


def _pdf_text_string(text: str) -> bytes:
    return b"<feff" + text.encode("utf-16-be").hex().encode() + b">"


def _stream(header: bytes, data: bytes, *, compress: bool = True, level: int = 6) -> bytes:
    if compress:
        data = zlib.compress(data, level)
        header += b" /Filter /FlateDecode"
    return b"<<%s /Length %d>>\nstream\n%s\nendstream" % (header, len(data), data)


@lru_cache(maxsize=64)
def _image_objects(image: bytes) -> tuple[bytes, bytes | None]:
    """The image XObject (and its soft mask, for transparency), PDF-ready and compressed; cached per image."""
    if image[:2] == b"\xff\xd8":
        with Image.open(io.BytesIO(image)) as picture:
            mode, (width, height) = picture.mode, picture.size
        if mode in ("RGB", "L"):
            space = b"/DeviceRGB" if mode == "RGB" else b"/DeviceGray"
            header = b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8" % (
                width,
                height,
                space,
            )
            return b"<<%s /Filter /DCTDecode /Length %d>>\nstream\n%s\nendstream" % (header, len(image), image), None
    with Image.open(io.BytesIO(image)) as picture:
        picture.load()
        has_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
        gray = picture.mode in ("L", "LA", "1") or (picture.mode == "P" and not has_alpha and _palette_is_gray(picture))
        converted = picture.convert("LA" if gray and has_alpha else "L" if gray else "RGBA" if has_alpha else "RGB")
    width, height = converted.size
    smask = None
    if has_alpha:
        alpha = converted.getchannel("A")
        if alpha.getextrema() != (255, 255):
            smask = _stream(
                b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8"
                % (width, height),
                alpha.tobytes(),
                level=9,
            )
        converted = converted.convert("L" if gray else "RGB")
    space = b"/DeviceGray" if gray else b"/DeviceRGB"
    header = b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8" % (
        width,
        height,
        space,
    )
    return _stream(header + (b" /SMask %s" if smask else b""), converted.tobytes(), level=9), smask


def _palette_is_gray(picture) -> bool:
    palette = picture.getpalette() or []
    return all(palette[i] == palette[i + 1] == palette[i + 2] for i in range(0, len(palette), 3))


@cache
def _font_constants(role: str) -> tuple[bytes, bytes]:
    """The font descriptor's fixed entries and the PostScript name of a layout role's font."""
    font = load_font(role)
    scale = 1000 / font.units_per_em
    bbox = b" ".join(b"%d" % round(v * scale) for v in font.bbox)
    descriptor = b"/Flags %d /FontBBox [%s] /ItalicAngle %d /Ascent %d /Descent %d /CapHeight %d /StemV %d" % (
        _FONT_FLAGS[role],
        bbox,
        round(font.italic_angle),
        round(font.ascent * scale),
        round(font.descent * scale),
        round(font.cap_height * scale),
        _STEM_V[role],
    )
    return descriptor, font.postscript_name.encode("ascii")


# Characters every certificate's fonts hold, so that the embedded subsets (and their compressed streams) are the
# same from one certificate to the next and are built once: a name or course with other letters (Vietnamese
# tones, Polish, Turkish…) gets its own subset, cached by those extra letters.
_BASE_CHARS = frozenset(string.printable.strip() + " áéíóúüñÁÉÍÓÚÜÑàèìòùÀÈÌÒÙçÇ«»–—“”‘’°ºª·…€¿¡")


@lru_cache(maxsize=512)
def _font_objects(role: str, extra: frozenset[str], first: int) -> tuple[tuple[bytes, ...], dict[str, bytes]]:
    """The five PDF objects of one embedded font (numbered from `first`) and its character → CID codes."""
    subset = load_font(role).subset(_BASE_CHARS | extra)
    descriptor, postscript = _font_constants(role)
    name = b"%s+%s" % (subset.tag.encode(), postscript)
    cid, desc, font_file, tounicode = first + 1, first + 2, first + 3, first + 4
    widths = b" ".join(b"%d" % w for w in subset.widths)
    bodies = (
        b"<</Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] "
        b"/ToUnicode %d 0 R>>" % (name, cid, tounicode),
        b"<</Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo <</Registry (Adobe) /Ordering "
        b"(Identity) /Supplement 0>> /FontDescriptor %d 0 R /DW 1000 /W [0 [%s]] /CIDToGIDMap /Identity>>"
        % (name, desc, widths),
        b"<</Type /FontDescriptor /FontName /%s %s /FontFile2 %d 0 R>>" % (name, descriptor, font_file),
        _stream(b"/Length1 %d" % len(subset.font_file), subset.font_file, level=9),
        _stream(b"", _to_unicode(subset.unicodes), level=9),
    )
    return bodies, subset.codes


def _to_unicode(unicodes: list[str]) -> bytes:
    entries = [
        b"<%04x> <%s>" % (cid, char.encode("utf-16-be").hex().encode()) for cid, char in enumerate(unicodes) if char
    ]
    parts = [_TOUNICODE_HEAD]
    for start in range(0, len(entries), 100):
        chunk = entries[start : start + 100]
        parts.append(b"%d beginbfchar\n%s\nendbfchar\n" % (len(chunk), b"\n".join(chunk)))
    parts.append(_TOUNICODE_TAIL)
    return b"".join(parts)


def _color(color: tuple[float, float, float], operator: bytes) -> bytes:
    return b"%.3f %.3f %.3f %s" % (*color, operator)


def _write_pdf(page: Layout, data: CertificateData) -> bytes:
    ops = page.ops
    used: dict[str, set[str]] = {role: set() for role in _FONT_NAMES}
    for op in ops:
        if type(op) is Text:
            used[op.font].update(op.text)
    fonts = {}
    for index, (role, chars) in enumerate(used.items()):
        fonts[role] = _font_objects(role, frozenset(chars - _BASE_CHARS), 5 + 5 * index)
    images = _images(data)
    image_names: dict[str, bytes] = {}
    content = []
    in_text = False
    font_state = color_state = None
    for op in ops:
        kind = type(op)
        if kind is Text:
            if not in_text:
                content.append(b"BT")
                in_text, font_state, color_state = True, None, None
            if (op.font, op.size) != font_state:
                content.append(b"/%s %.2f Tf" % (_FONT_NAMES[op.font], op.size))
                font_state = (op.font, op.size)
            if op.color != color_state:
                content.append(_color(op.color, b"rg"))
                color_state = op.color
            codes = fonts[op.font][1]
            encoded = b"".join(map(codes.__getitem__, op.text)).hex().encode()
            content.append(b"1 0 0 1 %.2f %.2f Tm <%s> Tj" % (op.x, op.y, encoded))
            continue
        if in_text:
            content.append(b"ET")
            in_text = False
        if kind is Line:
            content.append(
                b"%s %.2f w %.2f %.2f m %.2f %.2f l S" % (_color(op.color, b"RG"), op.width, op.x1, op.y1, op.x2, op.y2)
            )
        elif kind is Frame:
            content.append(
                b"%s %.2f w %.2f %.2f %.2f %.2f re S" % (_color(op.color, b"RG"), op.width, op.x, op.y, op.w, op.h)
            )
        elif kind is Picture:
            name = image_names.setdefault(op.ref, b"Im%d" % len(image_names))
            content.append(b"q %.3f 0 0 %.3f %.3f %.3f cm /%s Do Q" % (op.w, op.h, op.x, op.y, name))
        elif kind is QRCode:
            content.append(qr.qr_pdf_path(op.text, x=op.x, y=op.y, size=op.size))
    if in_text:
        content.append(b"ET")
    content_stream = b"\n".join(content)

    objects: list[bytes] = [b"", b"", b"", b""]  # catalog, pages, page, content: filled in below
    font_refs = []
    for role, (bodies, _codes) in fonts.items():
        font_refs.append(b"/%s %d 0 R" % (_FONT_NAMES[role], len(objects) + 1))
        objects.extend(bodies)
    xobject_refs = []
    for ref, name in image_names.items():
        image, smask = _image_objects(images[ref])
        number = len(objects) + 1
        if smask is not None:
            objects.append(image.replace(b" /SMask %s", b" /SMask %d 0 R" % (number + 1), 1))
            objects.append(smask)
        else:
            objects.append(image)
        xobject_refs.append(b"/%s %d 0 R" % (name, number))
    info = len(objects) + 1
    objects.append(
        b"<</Title %s /Author %s /Subject %s /Creator (Escuela Ciudadana) /Producer (Escuela Ciudadana)>>"
        % (
            _pdf_text_string(f"{data.title} — {data.learner_name}"),
            _pdf_text_string(data.issuer_name),
            _pdf_text_string(f"{data.folio} {data.verification_code}"),
        )
    )
    objects[0] = b"<</Type /Catalog /Pages 2 0 R /Lang (es-CL)>>"
    objects[1] = b"<</Type /Pages /Kids [3 0 R] /Count 1>>"
    objects[2] = (
        b"<</Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Contents 4 0 R /Resources <</Font <<%s>>%s>>>>"
        % (
            page.width,
            page.height,
            b" ".join(font_refs),
            b" /XObject <<%s>>" % b" ".join(xobject_refs) if xobject_refs else b"",
        )
    )
    objects[3] = _stream(b"", content_stream)

    out = [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"]
    offsets = []
    position = len(out[0])
    for number, body in enumerate(objects, start=1):
        chunk = b"%d 0 obj\n%s\nendobj\n" % (number, body)
        offsets.append(position)
        position += len(chunk)
        out.append(chunk)
    identifier = hashlib.md5(content_stream).hexdigest().encode()
    out.append(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.append(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.append(
        b"trailer\n<</Size %d /Root 1 0 R /Info %d 0 R /ID [<%s> <%s>]>>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, info, identifier, identifier, position)
    )
    return b"".join(out)
