"""Baked badges: a PNG image with the signed credential inside, as Open Badges 3.0 specifies (§5.3.1): an
``iTXt`` chunk with the keyword ``openbadgecredential``, uncompressed, holding the credential's JSON, before IEND.

The image itself is drawn once per process with Pillow (a seal with the issuer's initials is enough to recognise
the badge); ``unbake`` reads the credential back (tests, and anyone checking a downloaded badge).
"""

import io
import json
import struct
import zlib
from functools import cache

from PIL import Image, ImageDraw

KEYWORD = b"openbadgecredential"
_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@cache
def _base_image() -> bytes:
    size = 256
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, size - 8, size - 8), fill=(24, 92, 140, 255), outline=(242, 183, 5, 255), width=10)
    draw.ellipse((56, 56, size - 56, size - 56), outline=(255, 255, 255, 255), width=6)
    draw.polygon([(92, 132), (118, 160), (168, 100), (178, 110), (118, 178), (82, 142)], fill=(255, 255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _chunks(png: bytes):
    if not png.startswith(_SIGNATURE):
        raise ValueError("not a PNG file")
    at = len(_SIGNATURE)
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind = png[at + 4 : at + 8]
        yield kind, png[at + 8 : at + 8 + length], at
        at += 12 + length


def bake(credential: dict) -> bytes:
    """The badge PNG with ``credential`` (compact JSON, UTF-8) in an uncompressed iTXt chunk."""
    png = _base_image()
    text = json.dumps(credential, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    # keyword, NUL, compression flag 0, compression method 0, empty language tag, NUL, empty translated keyword, NUL
    itxt = _chunk(b"iTXt", KEYWORD + b"\x00\x00\x00" + b"\x00" + b"\x00" + text)
    iend = next(at for kind, _data, at in _chunks(png) if kind == b"IEND")
    return png[:iend] + itxt + png[iend:]


def unbake(png: bytes) -> dict | None:
    """The credential baked in a PNG, or None when it carries none."""
    for kind, data, _at in _chunks(png):
        if kind == b"iTXt" and data.startswith(KEYWORD + b"\x00"):
            rest = data[len(KEYWORD) + 1 :]
            compressed = rest[0]
            rest = rest[2:]
            _language, rest = rest.split(b"\x00", 1)
            _translated, text = rest.split(b"\x00", 1)
            if compressed:
                text = zlib.decompress(text)
            return json.loads(text.decode("utf-8"))
    return None
