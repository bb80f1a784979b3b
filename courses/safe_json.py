"""Reading JSON that a browser sent, with limits: size, nesting depth, and no NaN or Infinity.

``json.loads`` on a body such as ``[[[[…]]]]`` 20.000 levels deep raises RecursionError (a 500), and a deep but
legal document can still exhaust the recursion limit later, when it is stored (JSONField) or walked. ``loads``
checks the depth with a scan of the text before Python's parser runs, and turns every failure into
``JSONRejected`` (a ValueError), which the views answer with a 400 in Spanish.
"""

import json

MAX_DEPTH = 64
MAX_BYTES = 1024 * 1024


class JSONRejected(ValueError):
    """The body is not JSON that the platform accepts; ``reason`` says why (for logs and tests)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text`` (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _refuse_constant(name: str):
    raise JSONRejected(f"{name} is not a JSON number")


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES):
    """The decoded JSON value; raises JSONRejected when too big, too deep, not UTF-8 or not JSON."""
    if len(data) > max_bytes:
        raise JSONRejected(f"larger than {max_bytes} bytes")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise JSONRejected("not UTF-8") from None
    if nesting_depth(data) > max_depth:
        raise JSONRejected(f"nested deeper than {max_depth} levels")
    try:
        return json.loads(data, parse_constant=_refuse_constant)
    except RecursionError:  # unreachable after the depth scan; kept so that no input can turn into a 500
        raise JSONRejected("nested too deep") from None
    except json.JSONDecodeError as error:
        raise JSONRejected(f"not JSON ({error.msg})") from None
