"""QR codes for certificates (ISO/IEC 18004): byte mode, error correction level M, four-module quiet zone.

Written for speed, since every certificate has its own code: the function patterns, the zig-zag placement order
and the eight mask patterns are computed once per version; the symbol is held as one big integer (rows separated
by light padding), so the mask penalties are a few dozen integer operations instead of loops over modules. The
drawing is a single PDF path of integer rectangles (one per horizontal run of dark modules) scaled by `cm`.
"""

import re
from functools import cache
from itertools import chain
from operator import xor

QUIET_ZONE = 4
_PAD = 16  # light bits between rows of the packed symbol; more than the 11-module finder-like pattern

# Error correction level M, per version: (EC codewords per block, ((block count, data codewords per block), ...)).
M_BLOCKS = {
    1: (10, ((1, 16),)),
    2: (16, ((1, 28),)),
    3: (26, ((1, 44),)),
    4: (18, ((2, 32),)),
    5: (24, ((2, 43),)),
    6: (16, ((4, 27),)),
    7: (18, ((4, 31),)),
    8: (22, ((2, 38), (2, 39))),
    9: (22, ((3, 36), (2, 37))),
    10: (26, ((4, 43), (1, 44))),
    11: (30, ((1, 50), (4, 51))),
    12: (22, ((6, 36), (2, 37))),
    13: (22, ((8, 37), (1, 38))),
    14: (24, ((4, 40), (5, 41))),
    15: (24, ((5, 41), (5, 42))),
    16: (28, ((7, 45), (3, 46))),
    17: (28, ((10, 46), (1, 47))),
    18: (26, ((9, 43), (4, 44))),
    19: (26, ((3, 44), (11, 45))),
    20: (26, ((3, 41), (13, 42))),
    21: (26, ((17, 42),)),
    22: (28, ((17, 46),)),
    23: (28, ((4, 47), (14, 48))),
    24: (28, ((6, 45), (14, 46))),
    25: (28, ((8, 47), (13, 48))),
    26: (28, ((19, 46), (4, 47))),
    27: (28, ((22, 45), (3, 46))),
    28: (28, ((3, 45), (23, 46))),
    29: (28, ((21, 45), (7, 46))),
    30: (28, ((19, 47), (10, 48))),
    31: (28, ((2, 46), (29, 47))),
    32: (28, ((10, 46), (23, 47))),
    33: (28, ((14, 46), (21, 47))),
    34: (28, ((14, 46), (23, 47))),
    35: (28, ((12, 47), (26, 48))),
    36: (28, ((6, 47), (34, 48))),
    37: (28, ((29, 46), (14, 47))),
    38: (28, ((13, 46), (32, 47))),
    39: (28, ((40, 47), (7, 48))),
    40: (28, ((18, 47), (31, 48))),
}
_LEVEL_M_BITS = 0b00

# GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
_EXP = [0] * 512
_LOG = [0] * 256
_value = 1
for _power in range(255):
    _EXP[_power] = _value
    _LOG[_value] = _power
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D
for _power in range(255, 512):
    _EXP[_power] = _EXP[_power - 255]


@cache
def _generator_tables(degree: int) -> list[list[int]]:
    """For each byte value f, f × (generator polynomial without its leading 1), as a list of `degree` bytes."""
    poly = [1]
    for root in range(degree):
        nxt = [0] * (len(poly) + 1)
        for index, coefficient in enumerate(poly):
            nxt[index] ^= coefficient
            if coefficient:
                nxt[index + 1] ^= _EXP[_LOG[coefficient] + root]
        poly = nxt
    tail = poly[1:]
    tables = [[0] * degree]
    for factor in range(1, 256):
        log = _LOG[factor]
        tables.append([_EXP[log + _LOG[c]] if c else 0 for c in tail])
    return tables


def _ec_codewords(data: bytes, degree: int) -> list[int]:
    tables = _generator_tables(degree)
    remainder = [0] * degree
    for byte in data:
        factor = byte ^ remainder[0]
        remainder = list(map(xor, remainder[1:] + [0], tables[factor]))
    return remainder


def _bch(value: int, generator: int, shift: int) -> int:
    remainder = value << shift
    top = generator.bit_length() - 1
    while remainder.bit_length() > top:
        remainder ^= generator << (remainder.bit_length() - generator.bit_length())
    return (value << shift) | remainder


def alignment_positions(version: int) -> list[int]:
    if version == 1:
        return []
    count = version // 7 + 2
    size = 4 * version + 17
    step = 26 if version == 32 else (version * 4 + count * 2 + 1) // (count * 2 - 2) * 2
    return [6] + sorted(size - 7 - index * step for index in range(count - 1))


class _Version:
    """Everything about one symbol version that does not depend on the data."""

    def __init__(self, version: int):
        self.version = version
        size = self.size = 4 * version + 17
        width = self.width = size + _PAD
        ec, groups = M_BLOCKS[version]
        self.ec_per_block = ec
        self.blocks = [data for count, data in groups for _ in range(count)]
        self.data_codewords = sum(self.blocks)
        dark = [[False] * size for _ in range(size)]
        function = [[False] * size for _ in range(size)]

        def put(x, y, is_dark):
            dark[y][x] = is_dark
            function[y][x] = True

        for i in range(size):
            put(6, i, i % 2 == 0)
            put(i, 6, i % 2 == 0)
        for cx, cy in ((3, 3), (size - 4, 3), (3, size - 4)):
            for dy in range(-4, 5):
                for dx in range(-4, 5):
                    x, y = cx + dx, cy + dy
                    if 0 <= x < size and 0 <= y < size:
                        put(x, y, max(abs(dx), abs(dy)) not in (2, 4))
        positions = alignment_positions(version)
        last = len(positions) - 1
        for i, cy in enumerate(positions):
            for j, cx in enumerate(positions):
                if (i, j) in ((0, 0), (0, last), (last, 0)):
                    continue
                for dy in range(-2, 3):
                    for dx in range(-2, 3):
                        put(cx + dx, cy + dy, max(abs(dx), abs(dy)) != 1)
        self.format_cells = []  # (x, y) of format bit i, both copies
        for i in range(15):
            first = (8, i) if i < 6 else (8, 7) if i == 6 else (8, 8) if i == 7 else (7, 8) if i == 8 else (14 - i, 8)
            second = (size - 1 - i, 8) if i < 8 else (8, size - 15 + i)
            self.format_cells.append((first, second))
            put(*first, False)
            put(*second, False)
        put(8, size - 8, True)
        if version >= 7:
            bits = _bch(version, 0x1F25, 12)
            for i in range(18):
                a, b = size - 11 + i % 3, i // 3
                put(a, b, bool(bits >> i & 1))
                put(b, a, bool(bits >> i & 1))
        order = []
        right = size - 1
        while right >= 1:
            if right == 6:
                right = 5
            for vertical in range(size):
                for j in range(2):
                    x = right - j
                    y = size - 1 - vertical if (right + 1) & 2 == 0 else vertical
                    if not function[y][x]:
                        order.append((x, y))
            right -= 2
        self.module_count = len(order)
        # Packed layout: _PAD light bits, then each row followed by _PAD light bits (most significant bit first).
        total = _PAD + size * width
        self.total_bits = total

        def row_major(x, y):
            return _PAD + y * width + x

        def col_major(x, y):
            return _PAD + x * width + y

        data_len = len(order)
        self.index_rows = [data_len] * total
        self.index_cols = [data_len] * total
        for k, (x, y) in enumerate(order):
            self.index_rows[row_major(x, y)] = k
            self.index_cols[col_major(x, y)] = k
        for y in range(size):
            for x in range(size):
                if function[y][x] and dark[y][x]:
                    self.index_rows[row_major(x, y)] = data_len + 1
                    self.index_cols[col_major(x, y)] = data_len + 1

        def packed(cells, place):
            value = 0
            for x, y in cells:
                value |= 1 << (total - 1 - place(x, y))
            return value

        every = [(x, y) for y in range(size) for x in range(size)]
        self.valid = packed(every, row_major)
        self.valid_cols = packed(every, col_major)
        self.all_bits = (1 << total) - 1
        masks = _mask_functions()
        self.masks = [
            (packed(cells, row_major), packed(cells, col_major))
            for cells in ([(x, y) for x, y in order if rule(x, y)] for rule in masks)
        ]
        self.formats = []
        for mask in range(8):
            bits = _bch(_LEVEL_M_BITS << 3 | mask, 0x537, 10) ^ 0x5412
            cells = [cell for i, pair in enumerate(self.format_cells) if bits >> i & 1 for cell in pair]
            self.formats.append((packed(cells, row_major), packed(cells, col_major)))
        self.row_starts = [row_major(0, y) for y in range(size)]


def _mask_functions():
    return (
        lambda x, y: (x + y) % 2 == 0,
        lambda x, y: y % 2 == 0,
        lambda x, y: x % 3 == 0,
        lambda x, y: (x + y) % 3 == 0,
        lambda x, y: (x // 3 + y // 2) % 2 == 0,
        lambda x, y: x * y % 2 + x * y % 3 == 0,
        lambda x, y: (x * y % 2 + x * y % 3) % 2 == 0,
        lambda x, y: ((x + y) % 2 + x * y % 3) % 2 == 0,
    )


_versions: dict[int, _Version] = {}


def _version(number: int) -> _Version:
    found = _versions.get(number)
    if found is None:
        found = _versions[number] = _Version(number)
    return found


def _choose_version(length: int) -> int:
    for number, (_ec, groups) in M_BLOCKS.items():
        count_bits = 8 if number < 10 else 16
        if 4 + count_bits + 8 * length <= 8 * sum(count * data for count, data in groups):
            return number
    raise ValueError("text too long for a QR code")


def _codewords(payload: bytes, spec: _Version) -> bytes:
    """Data codewords (mode, length, payload, terminator, padding) interleaved with their error correction."""
    capacity = 8 * spec.data_codewords
    count_bits = 8 if spec.version < 10 else 16
    value = (0b0100 << count_bits | len(payload)) << 8 * len(payload) | int.from_bytes(payload, "big")
    used = 4 + count_bits + 8 * len(payload)
    terminator = min(4, capacity - used)
    value <<= terminator
    used += terminator
    value <<= -used % 8
    used += -used % 8
    data = value.to_bytes(used // 8, "big") + bytes((0xEC, 0x11)) * spec.data_codewords
    data = data[: spec.data_codewords]
    blocks, ecs, at = [], [], 0
    for size in spec.blocks:
        block = data[at : at + size]
        at += size
        blocks.append(block)
        ecs.append(_ec_codewords(block, spec.ec_per_block))
    shortest = min(spec.blocks)
    out = bytearray(chain.from_iterable(zip(*blocks, strict=False)))  # column by column, common length
    out.extend(block[shortest] for block in blocks if len(block) > shortest)  # longer blocks have one more
    out.extend(chain.from_iterable(zip(*ecs, strict=True)))
    return bytes(out)


def _penalty(dark: int, light: int, light_padded: int, width: int) -> int:
    score = 0
    for run in (dark, light):
        windows = run & run >> 1 & run >> 2 & run >> 3 & run >> 4
        score += windows.bit_count() + 2 * (windows & ~(windows << 1)).bit_count()
    core = dark & light_padded >> 1 & dark >> 2 & dark >> 3 & dark >> 4 & light_padded >> 5 & dark >> 6
    margin = light_padded & light_padded >> 1 & light_padded >> 2 & light_padded >> 3
    score += 40 * ((core & margin >> 7).bit_count() + (margin & core >> 4).bit_count())
    return score


def _blocks_penalty(dark: int, light: int, width: int) -> int:
    score = 0
    for run in (dark, light):
        score += 3 * (run & run >> 1 & run >> width & run >> (width + 1)).bit_count()
    return score


def qr_rows(text: str, *, mask: int | None = None) -> list[str]:
    """The symbol for `text` as rows of "0"/"1" (1 = dark), without the quiet zone.

    The mask pattern is the one with the lowest penalty score (ISO/IEC 18004 §7.8.3) unless `mask` forces one.
    """
    payload = text.encode("utf-8")
    spec = _version(_choose_version(len(payload)))
    codewords = _codewords(payload, spec)
    bits = bin(int.from_bytes(codewords, "big"))[2:].zfill(8 * len(codewords))
    bits = bits[: spec.module_count].ljust(spec.module_count, "0")
    source = (bits + "01").encode("ascii")
    rows_value = int(bytes(map(source.__getitem__, spec.index_rows)), 2)
    cols_value = int(bytes(map(source.__getitem__, spec.index_cols)), 2)
    width, total_modules = spec.width, spec.size * spec.size
    best, best_score = 0, None
    for candidate in range(8) if mask is None else (mask,):
        (mask_rows, mask_cols), (format_rows, format_cols) = spec.masks[candidate], spec.formats[candidate]
        rows = rows_value ^ mask_rows | format_rows
        cols = cols_value ^ mask_cols | format_cols
        light_rows, light_cols = ~rows & spec.valid, ~cols & spec.valid_cols
        score = _penalty(rows, light_rows, ~rows & spec.all_bits, width)
        score += _penalty(cols, light_cols, ~cols & spec.all_bits, width)
        score += _blocks_penalty(rows, light_rows, width)
        dark_count = rows.bit_count()
        score += 10 * (abs(dark_count * 20 - total_modules * 10) // total_modules)
        if best_score is None or score < best_score:
            best, best_score = candidate, score
    (mask_rows, _), (format_rows, _) = spec.masks[best], spec.formats[best]
    symbol = format(rows_value ^ mask_rows | format_rows, f"0{spec.total_bits}b")
    size = spec.size
    return [symbol[start : start + size] for start in spec.row_starts]


def qr_matrix(text: str) -> list[list[bool]]:
    """Rows of modules (True = dark) encoding `text` at error correction level M, without the quiet zone."""
    return [[cell == "1" for cell in row] for row in qr_rows(text)]


_RUN = re.compile("1+")


def qr_pdf_path(text: str, *, x: float, y: float, size: float) -> bytes:
    """PDF content operators that fill the QR code for `text` in black at (x, y), `size` points square with
    the quiet zone, as one path of integer rectangles in module units."""
    rows = qr_rows(text)
    count = len(rows)
    module = size / (count + 2 * QUIET_ZONE)
    parts = [b"q 0 g %.4f 0 0 %.4f %.3f %.3f cm" % (module, module, x, y)]
    base = QUIET_ZONE + count - 1
    for index, row in enumerate(rows):
        row_y = base - index
        parts.extend(
            b"%d %d %d 1 re" % (QUIET_ZONE + m.start(), row_y, m.end() - m.start()) for m in _RUN.finditer(row)
        )
    parts.append(b"f Q")
    return b"\n".join(parts)
