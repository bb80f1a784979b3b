"""QR codes for certificates: the module matrix and its drawing as one PDF path.

Error correction level M, byte mode, a quiet zone of four modules. Dark modules on a row are merged into one
rectangle, so a version-5 code is about 200 `re` operators filled once.
"""

from reportlab.graphics.barcode import qrencoder

QUIET_ZONE = 4


def qr_matrix(text: str) -> list[list[bool]]:
    """Rows of modules (True = dark) encoding `text` at error correction level M, without the quiet zone."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(qrencoder.QR8bitByte(text))
    code.make()
    return [list(map(bool, row)) for row in code.modules]


def row_runs(row: list[bool]) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules in `row`."""
    runs = []
    start = None
    for index, dark in enumerate(row):
        if dark and start is None:
            start = index
        elif not dark and start is not None:
            runs.append((start, index - start))
            start = None
    if start is not None:
        runs.append((start, len(row) - start))
    return runs


def qr_rects(matrix: list[list[bool]], *, x: float, y: float, size: float) -> list[tuple[float, float, float, float]]:
    """Rectangles (x, y, width, height) in PDF space for the dark modules; `size` includes the quiet zone."""
    count = len(matrix) + 2 * QUIET_ZONE
    module = size / count
    top = y + size - QUIET_ZONE * module
    rects = []
    for row_index, row in enumerate(matrix):
        row_y = top - (row_index + 1) * module
        for start, length in row_runs(row):
            rects.append((x + (QUIET_ZONE + start) * module, row_y, length * module, module))
    return rects


def qr_pdf_path(text: str, *, x: float, y: float, size: float) -> bytes:
    """PDF content-stream operators that fill the QR code for `text` in black, as one path."""
    parts = [b"q 0 g"]
    parts.extend(b"%.3f %.3f %.3f %.3f re" % rect for rect in qr_rects(qr_matrix(text), x=x, y=y, size=size))
    parts.append(b"f Q")
    return b"\n".join(parts)
