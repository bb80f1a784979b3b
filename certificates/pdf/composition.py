"""What a certificate looks like: its input (``CertificateData``, already formatted strings) and ``layout()``, which
places every field on an A4 page as drawing operations (text runs, lines, frames, pictures, the QR code) that a
backend writes out (``certificates.pdf.writer`` or ``certificates.pdf.naive``).
"""

import struct
from dataclasses import dataclass, field

from django.utils.translation import gettext
from reportlab.lib.pagesizes import A4, landscape, portrait

from certificates.fonts import load_font


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

    Each fact is printed once: ``body_states`` names the facts (``certificates.models.BODY_FACTS``) that the
    body already states, because its template used their placeholders; their own places (the name line, the RUN
    line, the course, the detail cells, the place and date of issue) are then left out.
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
    body_states: frozenset[str] = frozenset()
    # A national course co-signed by the learner's school: its issuer's name and RUT (printed under the issuer's)
    # and its signatories (a second block after the issuer's, each role followed by the school's issuer name).
    co_issuer_name: str = ""
    co_issuer_rut: str = ""
    co_signatories: tuple[Signatory, ...] = ()

    def __post_init__(self):
        if self.orientation not in ("landscape", "portrait"):
            raise ValueError(f"orientation must be 'landscape' or 'portrait', not {self.orientation!r}")
        if len(self.signatories) > 3:
            raise ValueError("a certificate has at most three signatories")
        if len(self.co_signatories) > 3:
            raise ValueError("a certificate has at most three co-signatories")

    @property
    def all_signatories(self) -> tuple[Signatory, ...]:
        """The issuer's signatories, then the co-signing school's (their role names the school)."""
        co = tuple(
            Signatory(
                name=s.name,
                role=f"{s.role}, {self.co_issuer_name}" if self.co_issuer_name else s.role,
                signature_png=s.signature_png,
            )
            for s in self.co_signatories
        )
        return self.signatories + co


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
    # True when the middle (name, body, course, details) did not fit above the signatures even at its smallest
    # size; the template form's body limit (certificates.models.MAX_BODY_LENGTH) keeps this from happening.
    overflows: bool = False
    # How far the middle had to shrink (1 = full size, 0.4 = the smallest).
    middle_scale: float = 1.0


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
    if data.co_signatories and data.co_issuer_name:
        co_text = gettext("Co-signed by %(issuer)s") % {"issuer": data.co_issuer_name}
        if data.co_issuer_rut:
            co_text += f" · {gettext('RUT')} {data.co_issuer_rut}"
        co_size = _fitted_size("sans", co_text, 8.5, 6, content_w - 40)
        y -= 12
        b.text("sans", co_size, center, y, co_text, GREY, align="center")
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

    signatories = data.all_signatories
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
    if "fecha_emision" in data.body_states:  # the body says when it was issued
        middle_bottom = city_y
    else:
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
    """The course details in their cells, except those the body already states."""
    stated = data.body_states
    cells = [
        ("horas", gettext("Duration"), data.hours),
        ("modalidad", gettext("Modality"), data.modality),
        ("fechas", gettext("Dates"), data.dates),
        ("nota", gettext("Grade"), data.grade),
        ("asistencia", gettext("Attendance"), data.attendance),
    ]
    return [(label, value) for fact, label, value in cells if value and fact not in stated]


def _place_middle(b: _Builder, data: CertificateData, left: float, right: float, top: float, bottom: float) -> None:
    """Learner name, RUN, body and the course details between the title and the city-and-date line, each left out
    when the body already states it (``CertificateData.body_states``).

    Everything shrinks together (down to 40 %) until it fits; the spare height goes into the gaps.
    """
    content_w = right - left
    center = (left + right) / 2
    stated = data.body_states
    show_name, show_run, show_course = "nombre" not in stated, "run" not in stated, "curso" not in stated
    cells = _detail_cells(data)
    columns = max(1, len(cells) if content_w > 600 else min(len(cells), 3))
    cell_w = content_w / columns
    available = top - bottom
    for step in range(13):
        scale = 1 - step * 0.05
        name_size, name_lines = _name_lines(data.learner_name, 25 * scale, content_w) if show_name else (0, [])
        run_size = 10 * max(scale, 0.7) if show_run and data.learner_run else 0
        body_size = 11.5 * scale
        leading = body_size * (1.4 if scale > 0.8 else 1.25)
        body_lines = wrap(data.body, "sans", body_size, min(content_w, 660))
        course_size, course_lines = (
            _block(data.course_title, "sans_bold", 12 * scale, content_w - 40, 2 if columns > 3 else 3, 7)
            if show_course
            else (0, [])
        )
        value_size = 9.5 * max(scale, 0.7)
        cell_lines = [_block(value, "sans", value_size, cell_w - 10, 2, 6) for _label, value in cells]
        rows = [cell_lines[i : i + columns] for i in range(0, len(cell_lines), columns)]
        row_heights = [11 + max(len(lines) * size * 1.2 for size, lines in row) for row in rows]
        heights = [
            len(name_lines) * name_size * 1.15,
            run_size + 4 if run_size else 0,
            len(body_lines) * leading,
            9 + len(course_lines) * course_size * 1.2 if course_lines else 0,
            sum(row_heights) + 4 * len(rows),
        ]
        spare = available - sum(heights)
        if spare >= 5 * 6:
            break
    b.layout.overflows, b.layout.middle_scale = spare < 0, scale
    gap = max(0.0, min(20.0, spare / 5))
    y = top - gap - (spare - 5 * gap) / 2 if spare > 5 * gap else top - gap
    for line in name_lines:
        y -= name_size
        b.text("serif_bold", name_size, center, y, line, INK, align="center")
        y -= name_size * 0.15
    if run_size:
        y -= run_size + 2
        label = gettext("RUN") if data.document_label is None else data.document_label
        b.text("sans", run_size, center, y, f"{label} {data.learner_run}".strip(), GREY, align="center")
        y -= 2
    y -= gap
    for line in body_lines:
        y -= body_size
        b.text("sans", body_size, center, y, line, INK, align="center")
        y -= leading - body_size
    y -= gap
    if course_lines:
        b.text("sans", 7, center, y - 7, gettext("Course").upper(), GREY, align="center")
        y -= 9
        for line in course_lines:
            y -= course_size
            b.text("sans_bold", course_size, center, y, line, NAVY, align="center")
            y -= course_size * 0.2
    if not rows:
        return
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


def images_of(data: CertificateData) -> dict[str, bytes]:
    images = {"logo": data.issuer_logo_png} if data.issuer_logo_png else {}
    for index, signatory in enumerate(data.all_signatories):
        if signatory.signature_png:
            images[f"signature-{index}"] = signatory.signature_png
    return images
