"""Dependencies point one way: courses ← learners ← certificates ← cms."""

import ast
from pathlib import Path

from django.conf import settings

LAYERS = ["courses", "learners", "certificates", "cms"]


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_plugins_only_import_lower_layers():
    root = Path(settings.BASE_DIR)
    violations = []
    for position, layer in enumerate(LAYERS):
        forbidden = set(LAYERS[position + 1 :])
        for path in (root / layer).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for name in imported_packages(path) & forbidden:
                violations.append(f"{path.relative_to(root)} imports {name}")
    assert violations == []


def test_page_type_strings_respect_layers():
    """Page-type rules name models by string; a plugin must not name a higher layer's pages."""
    root = Path(settings.BASE_DIR)
    for position, layer in enumerate(LAYERS):
        for path in (root / layer).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            for higher in LAYERS[position + 1 :]:
                assert f'"{higher}.' not in text, f"{path.relative_to(root)} names a {higher} model"
