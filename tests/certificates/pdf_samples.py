"""Sample certificate data for the PDF, QR and signing tests and the benchmark (images drawn with Pillow)."""

import io
import math
from functools import cache

from PIL import Image, ImageDraw

from certificates.pdf.composition import CertificateData, Signatory


@cache
def logo_png() -> bytes:
    """A round emblem on a transparent background, 240 × 240 px."""
    image = Image.new("RGBA", (240, 240), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, 232, 232), fill=(31, 58, 95, 255))
    draw.ellipse((36, 36, 204, 204), fill=(255, 255, 255, 255))
    draw.polygon([(120, 56), (184, 176), (56, 176)], fill=(176, 141, 60, 255))
    return _png(image)


@cache
def signature_png(seed: int = 0) -> bytes:
    """A hand-like stroke on a transparent background, 360 × 120 px."""
    image = Image.new("RGBA", (360, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(20 + x, 60 + 35 * math.sin(x / (18 + 4 * seed)) * math.cos(x / 57)) for x in range(0, 320, 4)]
    draw.line(points, fill=(20, 30, 90, 255), width=4, joint="curve")
    return _png(image)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def sample_data(**overrides) -> CertificateData:
    """A realistic certificate; keyword arguments replace fields."""
    values = {
        "title": "Certificado de aprobación",
        "issuer_name": "Asociación de Municipalidades de Chile",
        "issuer_rut": "65.123.456-7",
        "issuer_logo_png": logo_png(),
        "body": (
            "Cumplió los requisitos de asistencia y de evaluación y aprobó el curso, dictado por la Escuela "
            "Ciudadana en convenio con las municipalidades de la Región Metropolitana"
        ),
        "learner_name": "Nguyễn Thị Muñoz Güell",
        "learner_run": "12.345.678-5",
        "course_title": "Participación ciudadana y presupuestos municipales",
        "hours": "40 horas cronológicas",
        "modality": "E-learning asincrónico",
        "dates": "03/03/2026 al 28/04/2026",
        "grade": "6,5 (aprobado)",
        "attendance": "95 %",
        "city_and_date": "Santiago, 22 de noviembre de 2026",
        "folio": "AMUCH-2026-000123",
        "verification_code": "K7QX-M4PD-9RTW-HC3N-ZB",
        "verify_url": "https://escuela.example.cl/certificados/verificar/K7QXM4PD9RTWHC3NZB/",
        "signatories": (
            Signatory("María José Fernández Riquelme", "Directora académica", signature_png(0)),
            Signatory("Ñuñoa Pérez Ibáñez", "Secretario municipal, ministro de fe", signature_png(1)),
            Signatory("Andrés Öztürk Zúñiga", "Presidente de AMUCH", None),
        ),
    }
    values.update(overrides)
    return CertificateData(**values)
