"""The straightforward reportlab rendering of a certificate's layout (canvas, subset fonts, reportlab's QR widget).

Kept as the reference that ``certificates.pdf.writer`` is measured against (bench/certificates.py) and compared
with in tests; certificates are never issued with it.
"""

import io
from functools import cache

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from certificates import qr
from certificates.fonts import font_paths
from certificates.pdf.composition import CertificateData, Frame, Line, Picture, QRCode, Text, images_of, layout


@cache
def _reportlab_fonts() -> dict[str, str]:
    """Register the TrueType fonts with reportlab once per process; role → reportlab font name."""
    names = {}
    for role, path in font_paths().items():
        name = f"Cert-{role}"
        pdfmetrics.registerFont(TTFont(name, str(path)))
        names[role] = name
    return names


def _draw_with_reportlab(data: CertificateData) -> bytes:
    page = layout(data)
    fonts = _reportlab_fonts()
    images = images_of(data)
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
