"""A small, fast TrueType reader and subsetter for embedding fonts in certificate PDFs.

The font file is parsed once per process (character map, advance widths, glyph offsets). Each certificate then
embeds only the glyphs it uses: the subset is built by concatenating cached glyph records, renumbering
composite-glyph references and writing fresh `loca`, `hmtx`, `maxp`, `hhea` and `head` tables. Hinting is dropped
(instructions and the `fpgm`/`prep`/`cvt ` programs), as PDF viewers rasterise without it. The subset is meant for a
PDF CIDFontType2 with an Identity CID-to-GID map: the CID of a character is its glyph number in the subset.
"""

import hashlib
import struct
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

_ARG_WORDS, _HAVE_SCALE, _MORE, _XY_SCALE, _TWO_BY_TWO, _HAVE_INSTRUCTIONS = 0x1, 0x8, 0x20, 0x40, 0x80, 0x100


def _checksum(data: bytes) -> int:
    if len(data) % 4:
        data += b"\0" * (4 - len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


@dataclass(frozen=True)
class Subset:
    """One certificate's font: the font file, the two-byte code of each character and the PDF widths."""

    font_file: bytes
    codes: dict[str, bytes]  # character → 2-byte CID (big-endian)
    widths: list[int]  # advance of each CID in 1/1000 em
    unicodes: list[str]  # character drawn by each CID ("" for .notdef)
    tag: str  # six capital letters for the PDF subset name


class TrueTypeFont:
    """A TrueType font file parsed for measuring text and subsetting."""

    def __init__(self, path: str | Path, postscript_name: str):
        self.path = Path(path)
        self.postscript_name = postscript_name
        data = self.path.read_bytes()
        self._data = data
        count = struct.unpack_from(">H", data, 4)[0]
        self._tables = {}
        for index in range(count):
            tag, _checksum_value, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * index)
            self._tables[tag.decode("latin-1")] = (offset, length)
        head = self._table("head")
        self.units_per_em = struct.unpack_from(">H", head, 18)[0]
        self.bbox = struct.unpack_from(">hhhh", head, 36)
        long_loca = struct.unpack_from(">h", head, 50)[0] == 1
        hhea = self._table("hhea")
        self.ascent, self.descent = struct.unpack_from(">hh", hhea, 4)
        metrics_count = struct.unpack_from(">H", hhea, 34)[0]
        self.glyph_count = struct.unpack_from(">H", self._table("maxp"), 4)[0]
        hmtx = self._table("hmtx")
        pairs = struct.unpack_from(f">{2 * metrics_count}h", hmtx, 0)
        advances = [pairs[i] & 0xFFFF for i in range(0, 2 * metrics_count, 2)]
        lsbs = list(pairs[1::2])
        rest = self.glyph_count - metrics_count
        lsbs += struct.unpack_from(f">{rest}h", hmtx, 4 * metrics_count) if rest else []
        advances += [advances[-1]] * rest
        self.advances, self.lsbs = advances, lsbs
        loca = self._table("loca")
        if long_loca:
            self._loca = struct.unpack_from(f">{self.glyph_count + 1}I", loca)
        else:
            self._loca = [2 * v for v in struct.unpack_from(f">{self.glyph_count + 1}H", loca)]
        self._glyf_offset = self._tables["glyf"][0]
        self.cmap = self._read_cmap()
        os2 = self._table("OS/2")
        version = struct.unpack_from(">H", os2, 0)[0]
        self.cap_height = struct.unpack_from(">h", os2, 88)[0] if version >= 2 and len(os2) >= 90 else self.ascent
        self.italic_angle = struct.unpack_from(">i", self._table("post"), 4)[0] / 65536
        scale = 1000 / self.units_per_em
        missing = advances[0] * scale
        self.widths = {char: advances[gid] * scale for char, gid in self.cmap.items()}
        self._missing_width = missing
        self._glyphs: dict[int, tuple[bytes, tuple[tuple[int, int], ...]]] = {}
        self._head = bytearray(head[:54])
        self._hhea = bytearray(hhea[:36])
        self._maxp = bytearray(self._table("maxp")[:32])
        self._os2 = bytes(os2)
        self._post = bytes(self._table("post")[:32])
        struct.pack_into(">I", self._head, 8, 0)  # checkSumAdjustment, recomputed per subset
        struct.pack_into(">h", self._head, 50, 1)  # long loca offsets
        self._post = struct.pack(">I", 0x00030000) + self._post[4:]  # post format 3: no glyph names

    def _table(self, tag: str) -> bytes:
        offset, length = self._tables[tag]
        return self._data[offset : offset + length]

    def _read_cmap(self) -> dict[str, int]:
        cmap = self._table("cmap")
        count = struct.unpack_from(">H", cmap, 2)[0]
        subtables = {}
        for index in range(count):
            platform, encoding, offset = struct.unpack_from(">HHI", cmap, 4 + 8 * index)
            subtables[(platform, encoding)] = offset
        mapping: dict[str, int] = {}
        for key in ((3, 10), (0, 4), (3, 1), (0, 3)):
            if key not in subtables:
                continue
            offset = subtables[key]
            fmt = struct.unpack_from(">H", cmap, offset)[0]
            if fmt == 12:
                groups = struct.unpack_from(">I", cmap, offset + 12)[0]
                for group in range(groups):
                    start, end, gid = struct.unpack_from(">III", cmap, offset + 16 + 12 * group)
                    for code in range(start, end + 1):
                        mapping.setdefault(chr(code), gid + code - start)
                return mapping
            if fmt == 4:
                segments = struct.unpack_from(">H", cmap, offset + 6)[0] // 2
                ends = struct.unpack_from(f">{segments}H", cmap, offset + 14)
                starts = struct.unpack_from(f">{segments}H", cmap, offset + 16 + 2 * segments)
                deltas = struct.unpack_from(f">{segments}h", cmap, offset + 16 + 4 * segments)
                range_base = offset + 16 + 6 * segments
                ranges = struct.unpack_from(f">{segments}H", cmap, range_base)
                for seg in range(segments):
                    for code in range(starts[seg], ends[seg] + 1):
                        if code == 0xFFFF:
                            continue
                        if ranges[seg] == 0:
                            gid = (code + deltas[seg]) & 0xFFFF
                        else:
                            where = range_base + 2 * seg + ranges[seg] + 2 * (code - starts[seg])
                            gid = struct.unpack_from(">H", cmap, where)[0]
                            gid = (gid + deltas[seg]) & 0xFFFF if gid else 0
                        if gid:
                            mapping.setdefault(chr(code), gid)
                return mapping
        raise ValueError(f"{self.path.name} has no Unicode character map")

    # --- measuring --------------------------------------------------------------------------------------------

    def width(self, text: str, size: float) -> float:
        """Advance width of `text` at `size` points (no kerning)."""
        return sum(map(self.widths.get, text, repeat(self._missing_width))) * size / 1000

    # --- subsetting -------------------------------------------------------------------------------------------

    def _glyph(self, gid: int) -> tuple[bytes, tuple[tuple[int, int], ...]]:
        """Glyph record without hinting instructions, and its components as (offset of the index, glyph)."""
        cached = self._glyphs.get(gid)
        if cached is not None:
            return cached
        start, end = self._loca[gid], self._loca[gid + 1]
        record = self._data[self._glyf_offset + start : self._glyf_offset + end]
        components: list[tuple[int, int]] = []
        if len(record) >= 10:
            contours = struct.unpack_from(">h", record, 0)[0]
            if contours >= 0:
                at = 10 + 2 * contours
                instructions = struct.unpack_from(">H", record, at)[0]
                record = record[:at] + b"\0\0" + record[at + 2 + instructions :]
            else:
                record = bytearray(record)
                at = 10
                while True:
                    flags, component = struct.unpack_from(">HH", record, at)
                    components.append((at + 2, component))
                    at += 4 + (4 if flags & _ARG_WORDS else 2)
                    at += 2 if flags & _HAVE_SCALE else 4 if flags & _XY_SCALE else 8 if flags & _TWO_BY_TWO else 0
                    if not flags & _MORE:
                        if flags & _HAVE_INSTRUCTIONS:
                            struct.pack_into(">H", record, at - _component_size(flags), flags & ~_HAVE_INSTRUCTIONS)
                        record = bytes(record[:at])
                        break
        else:
            record = b""
        if len(record) % 4:
            record += b"\0" * (4 - len(record) % 4)
        cached = (bytes(record), tuple(components))
        self._glyphs[gid] = cached
        return cached

    def subset(self, chars) -> Subset:
        """A font file with .notdef and the glyphs of `chars` (plus composite parts), numbered from 0.

        Characters the font lacks get their own copy of .notdef, so their text still extracts correctly.
        """
        cmap = self.cmap
        chars = sorted(set(chars))
        wanted = {0}
        for char in chars:
            wanted.add(cmap.get(char, 0))
        pending = list(wanted)
        while pending:
            for _offset, component in self._glyph(pending.pop())[1]:
                if component not in wanted:
                    wanted.add(component)
                    pending.append(component)
        order = sorted(wanted)
        new_ids = {gid: index for index, gid in enumerate(order)}
        unicodes = [""] * len(order)
        codes = {}
        for char in chars:
            gid = cmap.get(char, 0)
            if gid == 0:
                new_ids_missing = len(order)
                order.append(0)
                unicodes.append(char)
                codes[char] = new_ids_missing.to_bytes(2, "big")
            else:
                new = new_ids[gid]
                codes[char] = new.to_bytes(2, "big")
                if not unicodes[new]:
                    unicodes[new] = char
        glyf = bytearray()
        offsets = [0]
        for gid in order:
            record, components = self._glyph(gid)
            if components:
                record = bytearray(record)
                for offset, component in components:
                    struct.pack_into(">H", record, offset, new_ids[component])
            glyf += record
            offsets.append(len(glyf))
        count = len(order)
        advances, lsbs = self.advances, self.lsbs
        hmtx = struct.pack(f">{2 * count}H", *(v & 0xFFFF for gid in order for v in (advances[gid], lsbs[gid])))
        loca = struct.pack(f">{count + 1}I", *offsets)
        maxp = bytearray(self._maxp)
        struct.pack_into(">H", maxp, 4, count)
        hhea = bytearray(self._hhea)
        struct.pack_into(">H", hhea, 34, count)
        tables = {
            "OS/2": self._os2,
            "glyf": bytes(glyf),
            "head": bytes(self._head),
            "hhea": bytes(hhea),
            "hmtx": hmtx,
            "loca": loca,
            "maxp": bytes(maxp),
            "post": self._post,
        }
        font_file = _assemble(tables)
        scale = 1000 / self.units_per_em
        widths = [round(advances[gid] * scale) for gid in order]
        digest = hashlib.md5(bytes(order[i] & 0xFF for i in range(len(order))) + "".join(chars).encode()).digest()
        tag = "".join(chr(65 + byte % 26) for byte in digest[:6])
        return Subset(font_file=font_file, codes=codes, widths=widths, unicodes=unicodes, tag=tag)


def _component_size(flags: int) -> int:
    size = 4 + (4 if flags & _ARG_WORDS else 2)
    return size + (2 if flags & _HAVE_SCALE else 4 if flags & _XY_SCALE else 8 if flags & _TWO_BY_TWO else 0)


def _assemble(tables: dict[str, bytes]) -> bytes:
    """An sfnt file from `tables` (tags in sorted order), with checksums and checkSumAdjustment."""
    tags = sorted(tables)
    count = len(tags)
    power = 1
    while power * 2 <= count:
        power *= 2
    header = struct.pack(">IHHHH", 0x00010000, count, power * 16, power.bit_length() - 1, count * 16 - power * 16)
    offset = 12 + 16 * count
    directory = []
    body = []
    total = 0
    for tag in tags:
        data = tables[tag]
        checksum = _checksum(data)
        total += checksum
        directory.append(struct.pack(">4sIII", tag.encode("latin-1"), checksum, offset, len(data)))
        padded = data + b"\0" * (-len(data) % 4)
        body.append(padded)
        offset += len(padded)
    head_index = tags.index("head")
    font = bytearray(header + b"".join(directory) + b"".join(body))
    total += _checksum(bytes(font[: 12 + 16 * count]))
    head_offset = struct.unpack_from(">I", font, 12 + 16 * head_index + 8)[0]
    struct.pack_into(">I", font, head_offset + 8, (0xB1B0AFBA - total) & 0xFFFFFFFF)
    return bytes(font)
