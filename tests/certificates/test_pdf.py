import re
import struct
from io import BytesIO

import pypdfium2
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase, override_settings
from django.utils import translation
from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageStat
from pypdf import PdfReader

from certificates import checks, fonts
from certificates.pdf import composition, naive, writer
from tests.certificates.pdf_samples import logo_png, sample_data, signature_png

LONG = {
    "learner_name": "María de los Ángeles Nguyễn Thị Hương Fernández de la Barra Üribe-Ñancupil",
    "course_title": (
        "Diplomado en gestión municipal participativa, transparencia activa, probidad y presupuestos "
        "participativos para dirigentes vecinales y funcionarios municipales de la Región Metropolitana"
    ),
    "issuer_name": (
        "Ilustre Municipalidad de Pedro Aguirre Cerda, Dirección de Desarrollo Comunitario y Oficina de "
        "Participación Ciudadana"
    ),
    "body": sample_data().body + "\n\n" + sample_data().body,
}
CROWDED = {
    **LONG,
    "dates": "desde el 3 de marzo de 2026 hasta el 28 de noviembre de 2026, en jornadas vespertinas",
    "modality": "B-learning (presencial y e-learning sincrónico)",
    "signatories": (
        composition.Signatory(
            "María Fernanda de los Ángeles Riquelme Ñancupil Hernández",
            "Directora de Desarrollo Comunitario de la Ilustre Municipalidad de Pedro Aguirre Cerda",
            signature_png(0),
        ),
        composition.Signatory(
            "Jean-Baptiste Nguyễn Văn Đức Zúñiga",
            "Secretario municipal y ministro de fe de todas las actuaciones municipales",
            signature_png(1),
        ),
        composition.Signatory("Ximena Öztürk", "Alcaldesa", signature_png(2)),
    ),
}
VARIANTS = {
    "landscape": {},
    "portrait": {"orientation": "portrait"},
    "landscape-long": LONG,
    "portrait-long": {"orientation": "portrait", **LONG},
    "minimal": {"signatories": (), "issuer_logo_png": None, "grade": None, "attendance": None},
    "landscape-crowded": CROWDED,
    "portrait-crowded": {"orientation": "portrait", **CROWDED},
    # A national course co-signed by the learner's school: three signatories of the academy, three of the school.
    "landscape-cosigned": {
        **CROWDED,
        **(
            COSIGNED := {
                "co_issuer_name": "Ilustre Municipalidad de Pedro Aguirre Cerda",
                "co_issuer_rut": "69.254.800-0",
                "co_signatories": CROWDED["signatories"],
            }
        ),
    },
    "portrait-cosigned": {"orientation": "portrait", **CROWDED, **COSIGNED},
}


def extract_text(document: bytes) -> str:
    reader = PdfReader(BytesIO(document))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def printed_fields(data: composition.CertificateData) -> list[str]:
    values = [
        data.title,
        data.issuer_name,
        data.issuer_rut,
        data.body,
        data.learner_name,
        data.learner_run,
        data.course_title,
        data.hours,
        data.modality,
        data.dates,
        data.city_and_date,
        data.folio,
        data.verification_code,
        data.verify_url,
    ]
    values += [value for value in (data.grade, data.attendance) if value]
    for signatory in data.signatories:
        values += [signatory.name, signatory.role]
    return values


@pytest.mark.parametrize("render", [writer.render_certificate, naive.render_certificate_naive], ids=["fast", "naive"])
@pytest.mark.parametrize("variant", VARIANTS, ids=list(VARIANTS))
def test_text_holds_every_field(render, variant):
    data = sample_data(**VARIANTS[variant])
    document = render(data)
    assert document.startswith(b"%PDF-")
    text = squash(extract_text(document))
    for value in printed_fields(data):
        assert squash(value) in text, value


@pytest.mark.parametrize("name", ["Ñuñoa Peñaloza", "Müller Güemes", "José Ángel Ríos", "Nguyễn Văn Đức", "Øyvind Åsa"])
def test_names_with_accents_extract_exactly(name):
    text = extract_text(writer.render_certificate(sample_data(learner_name=name)))
    assert name in text.splitlines()


def test_labels_follow_the_active_language():
    with translation.override("en"):
        text = extract_text(writer.render_certificate(sample_data()))
    assert "Verification code" in text
    assert "RUN 12.345.678-5" in text


def test_fonts_are_embedded_and_pages_are_a4():
    for orientation, size in (("landscape", (842, 595)), ("portrait", (595, 842))):
        reader = PdfReader(BytesIO(writer.render_certificate(sample_data(orientation=orientation))))
        page = reader.pages[0]
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == size
        fonts_found = []
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = (
                font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                if "/DescendantFonts" in font
                else font["/FontDescriptor"]
            )
            assert "/FontFile2" in descriptor.get_object(), font["/BaseFont"]
            fonts_found.append(font["/BaseFont"])
        assert fonts_found


def test_logo_and_signature_images_are_drawn():
    page = PdfReader(BytesIO(writer.render_certificate(sample_data()))).pages[0]
    assert len(page.images) == 3  # the logo and two signature images (the third signatory has none)
    page = PdfReader(BytesIO(writer.render_certificate(sample_data(**VARIANTS["minimal"])))).pages[0]
    assert len(page.images) == 0


def boxes(layout: composition.Layout) -> list[tuple[str, tuple[float, float, float, float]]]:
    found = []
    for op in layout.ops:
        if isinstance(op, composition.Text):
            width = composition.text_width(op.font, op.size, op.text)
            found.append((op.text, (op.x, op.y - 0.22 * op.size, op.x + width, op.y + 0.76 * op.size)))
        elif isinstance(op, composition.Picture):
            found.append((op.ref, (op.x, op.y, op.x + op.w, op.y + op.h)))
        elif isinstance(op, composition.QRCode):
            found.append(("QR", (op.x, op.y, op.x + op.size, op.y + op.size)))
    return found


@pytest.mark.parametrize("variant", VARIANTS, ids=list(VARIANTS))
def test_nothing_overlaps_and_everything_stays_inside_the_frame(variant):
    layout = composition.layout(sample_data(**VARIANTS[variant]))
    placed = boxes(layout)
    for label, (x1, y1, x2, y2) in placed:
        assert 27 < x1 and x2 < layout.width - 27 and 27 < y1 and y2 < layout.height - 27, label
    for index, (label_a, a) in enumerate(placed):
        for label_b, b in placed[index + 1 :]:
            overlap = min(a[2], b[2]) - max(a[0], b[0]) > 0.5 and min(a[3], b[3]) - max(a[1], b[1]) > 0.5
            assert not overlap, (label_a, label_b)


def test_bad_orientation_and_too_many_signatories_are_refused():
    with pytest.raises(ValueError):
        sample_data(orientation="sideways")
    with pytest.raises(ValueError):
        sample_data(signatories=sample_data().signatories + sample_data().signatories)


class FontCheckTests(SimpleTestCase):
    def test_missing_fonts_are_a_system_check_error(self):
        with override_settings(CERTIFICATES_FONT_DIRS=["/nonexistent"]):
            errors = checks.check_certificate_fonts()
            assert [error.id for error in errors] == ["certificates.E010"]
            assert "dejavu-fonts-ttf" in errors[0].msg
            fonts.font_paths.cache_clear()
            try:
                with pytest.raises(ImproperlyConfigured):
                    fonts.font_paths()
            finally:
                fonts.font_paths.cache_clear()

    def test_installed_fonts_pass_the_check(self):
        assert checks.check_certificate_fonts() == []


def test_characters_missing_from_the_font_still_extract():
    name = "李小龍 Ğğ 🎓 Nguyễn"
    text = extract_text(writer.render_certificate(sample_data(learner_name=name)))
    assert name in text


def test_the_same_data_gives_the_same_bytes():
    assert writer.render_certificate(sample_data()) == writer.render_certificate(sample_data())
    assert writer.render_certificate(sample_data()) != writer.render_certificate(sample_data(folio="AMUCH-2026-000124"))


def _image_bytes(image: Image.Image, fmt: str) -> bytes:
    buffer = BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "logo",
    [
        _image_bytes(Image.open(BytesIO(logo_png())).convert("RGB"), "JPEG"),
        _image_bytes(Image.open(BytesIO(logo_png())).convert("L"), "JPEG"),
        _image_bytes(Image.open(BytesIO(logo_png())).convert("P"), "PNG"),
        _image_bytes(Image.open(BytesIO(logo_png())).convert("LA"), "PNG"),
        _image_bytes(Image.open(BytesIO(logo_png())).convert("CMYK"), "JPEG"),
    ],
    ids=["jpeg-rgb", "jpeg-gray", "png-palette", "png-gray-alpha", "jpeg-cmyk"],
)
def test_logo_formats(logo):
    document = writer.render_certificate(sample_data(issuer_logo_png=logo))
    assert len(PdfReader(BytesIO(document)).pages[0].images) == 3
    assert rasterise(document).getextrema()[0] < 100


def rasterise(document: bytes, dpi: int = 72) -> Image.Image:
    handle = pypdfium2.PdfDocument(document)
    try:
        return handle[0].render(scale=dpi / 72).to_pil().convert("L")
    finally:
        handle.close()


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_fast_and_reportlab_renderings_look_the_same(orientation):
    """Both draw the same layout: glyphs from the fast writer's own font subsets match reportlab's.

    The QR codes are blanked (reportlab may choose another mask); small differences come from hinting.
    """
    data = sample_data(orientation=orientation, **LONG)
    page = composition.layout(data)
    code = next(op for op in page.ops if isinstance(op, composition.QRCode))
    images = []
    for render in (writer.render_certificate, naive.render_certificate_naive):
        image = rasterise(render(data))
        box = (code.x - 2, page.height - code.y - code.size - 2, code.x + code.size + 2, page.height - code.y + 2)
        ImageDraw.Draw(image).rectangle(box, fill=255)
        images.append(image)
    assert ImageStat.Stat(ImageChops.difference(*images)).mean[0] < 2.5


def _tables(font_file: bytes) -> dict[str, bytes]:
    count = struct.unpack_from(">H", font_file, 4)[0]
    tables = {}
    for index in range(count):
        tag, checksum, offset, length = struct.unpack_from(">4sIII", font_file, 12 + 16 * index)
        data = font_file[offset : offset + length]
        padded = data + b"\0" * (-len(data) % 4)
        if tag != b"head":
            assert sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF == checksum, tag
        tables[tag.decode()] = data
    return tables


@pytest.mark.parametrize("role", sorted(fonts.FONT_FILES))
def test_font_subsets_are_valid_truetype_files(role):
    font = fonts.load_font(role)
    subset = font.subset("Nguyễn Thị Ñuñoa Güell ÁÉÍÓÚ áéíóú «»–— 0123456789 李")
    data = subset.font_file
    padded = data + b"\0" * (-len(data) % 4)
    assert sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF == 0xB1B0AFBA
    tables = _tables(data)
    assert {"head", "hhea", "maxp", "hmtx", "loca", "glyf"} <= set(tables)
    count = struct.unpack_from(">H", tables["maxp"], 4)[0]
    assert count == len(subset.widths) == len(subset.unicodes)
    loca = struct.unpack(f">{count + 1}I", tables["loca"])
    composites = 0
    for gid in range(count):
        record = tables["glyf"][loca[gid] : loca[gid + 1]]
        if len(record) >= 10 and struct.unpack_from(">h", record, 0)[0] < 0:
            composites += 1
            at = 10
            while True:
                flags, component = struct.unpack_from(">HH", record, at)
                assert component < count
                at += (
                    4 + (4 if flags & 1 else 2) + (2 if flags & 8 else 4 if flags & 0x40 else 8 if flags & 0x80 else 0)
                )
                if not flags & 0x20:
                    assert not flags & 0x100  # hinting instructions dropped
                    break
    assert composites  # accented letters are composites in DejaVu: the renumbering was exercised
    ImageFont.truetype(BytesIO(data), 24)  # FreeType accepts it
    assert subset.codes["李"] != subset.codes["N"]
    assert subset.unicodes[int.from_bytes(subset.codes["ễ"], "big")] == "ễ"


def test_text_width_matches_the_font_advances():
    font = fonts.load_font("sans")
    assert composition.text_width("sans", 10, "Ñandú") == pytest.approx(sum(font.widths[c] for c in "Ñandú") / 100)
    assert composition.text_width("sans", 12, "") == 0
