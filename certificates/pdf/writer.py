"""The certificate PDF writer: a layout written straight into PDF objects, a font subset per typeface (cached
glyph records), image XObjects prepared once per image, the QR code as vector paths, and the cross-reference table.

One module on purpose: every part writes objects of the same one-page document and shares its numbering; it is
measured against reportlab's canvas (``certificates.pdf.naive``, bench/certificates.py) and read back by pypdf
and pdfium in tests/certificates/test_pdf.py.
"""

import hashlib
import io
import string
import zlib
from functools import cache, lru_cache

from PIL import Image

from certificates import qr
from certificates.fonts import load_font
from certificates.pdf.composition import CertificateData, Frame, Layout, Line, Picture, QRCode, Text, images_of, layout


def render_certificate(data: CertificateData) -> bytes:
    """The certificate as a one-page A4 PDF with embedded fonts, images and a QR code to ``verify_url``.

    Writes the PDF objects directly: per certificate only the layout, a font subset per typeface (from cached
    glyph records), the content stream and the QR code are computed; images are prepared once per image.
    """
    return _write_pdf(layout(data), data)


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
    images = images_of(data)
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
