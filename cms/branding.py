"""A school's colours: hex values checked for WCAG 2.x AA contrast (4.5:1 for normal text) before they are saved,
and written into the page as CSS custom properties (``base.html``). Pure functions, no database."""

import re

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
AA_NORMAL_TEXT = 4.5
WHITE = "#ffffff"
INK = "#1b1f24"  # the body text colour of site.css


def validate_hex_colour(value: str) -> None:
    """Only ``#rrggbb``: the value goes into a style sheet, so nothing else may pass."""
    if not HEX_COLOUR.match(value or ""):
        raise ValidationError(_("Write the colour as # followed by six hexadecimal digits, for example #0b3a66."))


def _channel(value: int) -> float:
    value = value / 255
    return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    red, green, blue = (int(colour[index : index + 2], 16) for index in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours, from 1 (same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def format_ratio(ratio: float) -> str:
    """2.849 → "2,8:1" (rounded down, so that 4.499 never reads as 4,5:1)."""
    return f"{number_format(int(ratio * 10) / 10, decimal_pos=1)}:1"


def contrast_errors(*, primary: str, link: str, background: str) -> dict[str, str]:
    """Which of the school's colour pairs fall below AA: white text on the primary colour (header, hero,
    buttons), links on the background and the body text on the background. Empty when they all pass; assumes
    valid hex values."""
    errors = {}
    ratio = contrast_ratio(WHITE, primary)
    if ratio < AA_NORMAL_TEXT:
        errors["primary_colour"] = _(
            "White text on this primary colour has a contrast of %(ratio)s; it must be at least 4,5:1 (WCAG AA). "
            "Choose a darker colour."
        ) % {"ratio": format_ratio(ratio)}
    ratio = contrast_ratio(link, background)
    if ratio < AA_NORMAL_TEXT:
        errors["link_colour"] = _(
            "Links in this colour on the background have a contrast of %(ratio)s; it must be at least 4,5:1 (WCAG AA)."
        ) % {"ratio": format_ratio(ratio)}
    return errors


def darker(colour: str, factor: float = 0.7) -> str:
    """``colour`` with each channel scaled by ``factor`` (hover states of links and buttons)."""
    channels = (int(int(colour[index : index + 2], 16) * factor) for index in (1, 3, 5))
    return "#" + "".join(f"{channel:02x}" for channel in channels)
