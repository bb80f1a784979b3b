import re

import pypdfium2
import pytest
import zxingcpp
from PIL import Image
from reportlab.graphics.barcode import qrencoder

from certificates import qr
from certificates.pdf import naive, writer
from tests.certificates.pdf_samples import sample_data


def decode_page(document: bytes, dpi: int = 150) -> list[str]:
    pdf_document = pypdfium2.PdfDocument(document)
    try:
        image = pdf_document[0].render(scale=dpi / 72).to_pil()
    finally:
        pdf_document.close()
    return [result.text for result in zxingcpp.read_barcodes(image) if result.format == zxingcpp.BarcodeFormat.QRCode]


@pytest.mark.parametrize("render", [writer.render_certificate, naive.render_certificate_naive], ids=["fast", "naive"])
@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_qr_code_on_the_certificate_decodes_to_the_verify_url(render, orientation):
    data = sample_data(orientation=orientation)
    assert decode_page(render(data)) == [data.verify_url]


def test_qr_code_decodes_at_low_resolution():
    data = sample_data()
    assert decode_page(writer.render_certificate(data), dpi=96) == [data.verify_url]


def test_the_matrix_has_finder_patterns_and_a_quiet_zone_is_left_around_it():
    matrix = qr.qr_matrix("https://escuela.example.cl/certificados/verificar/ABC/")
    size = len(matrix)
    assert size >= 21 and (size - 17) % 4 == 0
    finder = [row[:7] for row in matrix[:7]]
    assert finder[0] == [True] * 7 and finder[1] == [True] + [False] * 5 + [True]
    path = qr.qr_pdf_path("https://escuela.example.cl/certificados/verificar/ABC/", x=0, y=0, size=100)
    rects = [tuple(map(int, line.split()[:4])) for line in path.split(b"\n")[1:-1]]
    assert min(x for x, _y, _w, _h in rects) == qr.QUIET_ZONE  # the quiet zone stays light on every side
    assert min(y for _x, y, _w, _h in rects) == qr.QUIET_ZONE
    assert max(x + w for x, _y, w, _h in rects) == qr.QUIET_ZONE + size
    assert max(y + h for _x, y, _w, h in rects) == qr.QUIET_ZONE + size
    assert path.split(b"\n")[0] == b"q 0 g %.4f 0 0 %.4f 0.000 0.000 cm" % ((100 / (size + 8),) * 2)


def module_image(rows: list[str], scale: int = 3) -> Image.Image:
    count = len(rows) + 2 * qr.QUIET_ZONE
    image = Image.new("L", (count, count), 255)
    image.putdata(
        [
            0
            if qr.QUIET_ZONE <= y < count - qr.QUIET_ZONE
            and qr.QUIET_ZONE <= x < count - qr.QUIET_ZONE
            and rows[y - qr.QUIET_ZONE][x - qr.QUIET_ZONE] == "1"
            else 255
            for y in range(count)
            for x in range(count)
        ]
    )
    return image.resize((count * scale, count * scale), Image.NEAREST)


TEXTS = [
    "a",
    "https://escuela.example.cl/certificados/verificar/K7QXM4PD9RTWHC3NZB/",
    "Ñuñoa — Nguyễn " * 4,
    "x" * 120,  # version 7+: version information blocks
    "https://escuela.example.cl/" + "y" * 200,  # version 10+: 16-bit character count
    "z" * 1200,
]


@pytest.mark.parametrize("text", TEXTS, ids=lambda t: f"{len(t)}-chars")
def test_symbols_decode(text):
    results = zxingcpp.read_barcodes(module_image(qr.qr_rows(text)))
    assert [result.text for result in results] == [text]


@pytest.mark.parametrize("text", TEXTS, ids=lambda t: f"{len(t)}-chars")
def test_symbols_equal_reportlabs_for_every_mask(text):
    """reportlab's encoder is the reference: same version, same modules for each of the eight masks."""
    for mask in range(8):
        reference = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
        reference.addData(qrencoder.QR8bitByte(text))
        reference.version = reference.calculate_version()
        reference.makeImpl(False, mask)
        expected = ["".join("1" if module else "0" for module in row) for row in reference.modules]
        assert qr.qr_rows(text, mask=mask) == expected, mask


def test_block_table_and_alignment_positions_match_the_standard_tables():
    for version in range(1, 41):
        blocks = qrencoder.QRRSBlock.getRSBlocks(version, qrencoder.QRErrorCorrectLevel.M)
        ec, groups = qr.M_BLOCKS[version]
        expected = sorted((block.totalCount - block.dataCount, block.dataCount) for block in blocks)
        assert sorted((ec, data) for count, data in groups for _ in range(count)) == expected
        assert qr.alignment_positions(version) == qrencoder.QRUtil.PATTERN_POSITION_TABLE[version - 1]


def test_the_pdf_path_is_integer_rectangles_in_module_units():
    path = qr.qr_pdf_path("https://escuela.example.cl/v/ABC/", x=10, y=20, size=90)
    lines = path.split(b"\n")
    assert lines[0].startswith(b"q 0 g") and lines[0].endswith(b"cm") and lines[-1] == b"f Q"
    assert all(re.fullmatch(rb"\d+ \d+ \d+ 1 re", line) for line in lines[1:-1])
