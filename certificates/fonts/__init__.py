"""The TrueType fonts certificates embed: DejaVu, which covers every Latin name (ñ, tildes, ü, "Nguyễn").

The font files are not part of the repository. They come from the npm package `dejavu-fonts-ttf` that
`make run` / `make test` install into node_modules (or from Debian's `fonts-dejavu-core`). The setting
``CERTIFICATES_FONT_DIRS`` lists the folders to look in, first match wins; ``checks.py`` reports a missing font at
start-up instead of at the first certificate.
"""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Role in the layout → file name in the DejaVu distribution.
FONT_FILES = {
    "sans": "DejaVuSans.ttf",
    "sans_bold": "DejaVuSans-Bold.ttf",
    "serif_bold": "DejaVuSerif-Bold.ttf",
}


def font_dirs() -> list[Path]:
    """The folders searched for the font files, in order (setting CERTIFICATES_FONT_DIRS)."""
    default = [Path(settings.BASE_DIR) / "node_modules/dejavu-fonts-ttf/ttf", "/usr/share/fonts/truetype/dejavu"]
    return [Path(d) for d in getattr(settings, "CERTIFICATES_FONT_DIRS", default)]


def find_font_dir() -> Path | None:
    """The first folder that holds every font in FONT_FILES, or None."""
    for folder in font_dirs():
        if all((folder / name).is_file() for name in FONT_FILES.values()):
            return folder
    return None


@cache
def font_paths() -> dict[str, Path]:
    """Role → path of each font file; raises ImproperlyConfigured when the fonts are not installed."""
    folder = find_font_dir()
    if folder is None:
        raise ImproperlyConfigured(missing_fonts_message())
    return {role: folder / name for role, name in FONT_FILES.items()}


@cache
def load_font(role: str):
    """The parsed TrueType font for a layout role ("sans", "sans_bold", "serif_bold"), once per process."""
    from certificates.fonts.truetype import TrueTypeFont

    path = font_paths()[role]
    return TrueTypeFont(path, postscript_name=path.stem)


def missing_fonts_message() -> str:
    searched = ", ".join(str(d) for d in font_dirs()) or "(no folder configured)"
    return (
        f"Certificate fonts not found: none of the folders in CERTIFICATES_FONT_DIRS ({searched}) holds "
        f"{', '.join(FONT_FILES.values())}. Run `npm ci` (package dejavu-fonts-ttf) or install Debian's "
        "fonts-dejavu-core, or point CERTIFICATES_FONT_DIRS at a folder with the DejaVu TrueType files."
    )
