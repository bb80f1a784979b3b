import pypdfium2
import pytest
import zxingcpp

from certificates import pdf, qr
from tests.certificates.pdf_samples import sample_data


def decode_page(document: bytes, dpi: int = 150) -> list[str]:
    pdf_document = pypdfium2.PdfDocument(document)
    try:
        image = pdf_document[0].render(scale=dpi / 72).to_pil()
    finally:
        pdf_document.close()
    return [result.text for result in zxingcpp.read_barcodes(image) if result.format == zxingcpp.BarcodeFormat.QRCode]


@pytest.mark.parametrize("render", [pdf.render_certificate, pdf.render_certificate_naive], ids=["fast", "naive"])
@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_qr_code_on_the_certificate_decodes_to_the_verify_url(render, orientation):
    data = sample_data(orientation=orientation)
    assert decode_page(render(data)) == [data.verify_url]


def test_qr_code_decodes_at_low_resolution():
    data = sample_data()
    assert decode_page(pdf.render_certificate(data), dpi=96) == [data.verify_url]


def test_the_matrix_has_finder_patterns_and_a_quiet_zone_is_left_around_it():
    matrix = qr.qr_matrix("https://escuela.example.cl/certificados/verificar/ABC/")
    size = len(matrix)
    assert size >= 21 and (size - 17) % 4 == 0
    finder = [row[:7] for row in matrix[:7]]
    assert finder[0] == [True] * 7 and finder[1] == [True] + [False] * 5 + [True]
    rects = qr.qr_rects(matrix, x=0, y=0, size=100)
    module = 100 / (size + 2 * qr.QUIET_ZONE)
    assert min(r[0] for r in rects) == pytest.approx(4 * module)
    assert max(r[1] + r[3] for r in rects) == pytest.approx(100 - 4 * module)
