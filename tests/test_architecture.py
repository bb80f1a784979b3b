"""Dependencies point one way: courses ← learners ← certificates ← cms; inside an app, model modules import no
service module and no two modules import each other at module level."""

import ast
from collections import deque
from collections.abc import Iterator
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


# Imports between the modules of the apps -----------------------------------------------------------------------


class Module:
    """One .py file of an app, by dotted name (a package is its ``__init__.py``)."""

    def __init__(self, root: Path, path: Path):
        parts = path.relative_to(root).with_suffix("").parts
        self.path = path
        self.is_package = parts[-1] == "__init__"
        self.name = ".".join(parts[:-1] if self.is_package else parts)
        self.tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    @property
    def is_models(self) -> bool:
        """``<app>/**/models.py`` or ``<app>/**/models/*.py``."""
        return self.path.name == "models.py" or self.path.parent.name == "models"

    def resolve(self, node: ast.ImportFrom) -> str:
        """The absolute name of the module that ``from <node.module> import …`` reads (relative imports resolved)."""
        if node.level == 0:
            return node.module or ""
        package = self.name.split(".") if self.is_package else self.name.split(".")[:-1]
        base = package[: len(package) - (node.level - 1)]
        return ".".join([*base, *([node.module] if node.module else [])])


def app_modules(root: Path, apps: list[str]) -> dict[str, Module]:
    modules = {}
    for app in apps:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" not in path.relative_to(root).parts:
                module = Module(root, path)
                modules[module.name] = module
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_statements(statements: list[ast.stmt], *, in_functions: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements among ``statements`` and the blocks they contain, except ``if TYPE_CHECKING:`` bodies;
    function bodies only with ``in_functions`` (class bodies always: they run when the module is imported)."""
    for node in statements:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if in_functions:
                yield from import_statements(node.body, in_functions=True)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from import_statements(node.orelse, in_functions=in_functions)
        else:
            for field in ("body", "orelse", "finalbody"):
                yield from import_statements(getattr(node, field, []), in_functions=in_functions)
            for block in [*getattr(node, "handlers", []), *getattr(node, "cases", [])]:
                yield from import_statements(block.body, in_functions=in_functions)


def imported_modules(module: Module, known: dict[str, Module], *, in_functions: bool = False) -> set[str]:
    """The modules that ``module`` imports; ``from pkg import name`` reads the submodule ``pkg.name`` when there is
    one, else ``pkg`` itself."""
    names = set()
    for node in import_statements(module.tree.body, in_functions=in_functions):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        base = module.resolve(node)
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            names.add(submodule if submodule in known else base)
    return names


def is_service_module(name: str) -> bool:
    return "services" in name.split(".")[1:]


def model_service_imports(root: Path, apps: list[str]) -> list[str]:
    """Model modules that import a service module (at any depth: a method's import counts too)."""
    modules = app_modules(root, apps)
    return [
        f"{module.name} imports {name}"
        for module in modules.values()
        if module.is_models
        for name in sorted(imported_modules(module, modules, in_functions=True))
        if is_service_module(name)
    ]


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm; the components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _cycle_through(start: str, graph: dict[str, set[str]], members: set[str]) -> list[str]:
    """A shortest path start → … → start inside one component."""
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target in sorted(graph[node] & members):
            if target == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [start, *reversed(path[:-1]), start] if len(path) > 1 else [start, node, start]
            if target not in previous:
                previous[target] = node
                queue.append(target)
    return [start]


def import_cycles(root: Path, apps: list[str]) -> list[str]:
    """Modules of the apps that import each other at module level, directly or round a longer circle."""
    modules = app_modules(root, apps)
    graph = {name: (imported_modules(module, modules) & modules.keys()) - {name} for name, module in modules.items()}
    return [" → ".join(_cycle_through(component[0], graph, set(component))) for component in _strongly_connected(graph)]


def test_model_modules_import_no_service():
    """A model never calls a write: the admin view, task or service that needs one does."""
    assert model_service_imports(Path(settings.BASE_DIR), LAYERS) == []


def test_no_import_cycles_inside_an_app():
    """Two modules of one app never import each other at module level (a lazy import inside a function is the
    way out when a cycle is unavoidable, e.g. a page's ``get_context`` calling the app's selectors)."""
    assert import_cycles(Path(settings.BASE_DIR), LAYERS) == []


def test_the_import_checks_catch_violations(tmp_path):
    """The two checks above, on a fake app with one violation of each kind and legitimate look-alikes."""
    files = {
        "shop/__init__.py": "",
        # A model module importing services: absolute, as a submodule name, relative, and inside a method.
        "shop/models.py": "from shop.services.orders import place\n",
        "shop/catalogue/__init__.py": "",
        "shop/catalogue/models.py": "from .. import services\n",
        "shop/stock/models/__init__.py": "from .items import Item\n",
        "shop/stock/models/items.py": "class Item:\n    def restock(self):\n        from ...services import orders\n",
        "shop/services/__init__.py": "",
        "shop/services/orders.py": "import shop.models\n",
        # A model module importing services only for type checking, and a selectors module: both fine.
        "shop/stock/__init__.py": "",
        "shop/stock/selectors.py": "from shop.services.orders import place\n",
        "shop/billing/__init__.py": "",
        "shop/billing/models.py": (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from shop.services import orders\n"
        ),
        # A circle of three, and a package __init__ importing a submodule that imports the package back.
        "shop/a.py": "from shop import b\n",
        "shop/b.py": "from . import c\n",
        "shop/c.py": "try:\n    import shop.a\nexcept ImportError:\n    pass\n",
        "shop/feed/__init__.py": "from shop.feed.items import Item\n\nVERSION = 1\n",
        "shop/feed/items.py": "from shop.feed import VERSION\n\nclass Item:\n    pass\n",
        # Look-alikes that are not circles: a lazy import, an import under TYPE_CHECKING, and a package that
        # re-exports from submodules which do not import it back.
        "shop/lazy.py": "from shop import eager\n",
        "shop/eager.py": "def f():\n    from shop import lazy\n",
        "shop/typed.py": "from shop import hinted\n",
        "shop/hinted.py": "import typing\nif typing.TYPE_CHECKING:\n    from shop import typed\n",
        "shop/people/__init__.py": "from shop.people.accounts import Account\n",
        "shop/people/accounts.py": "from shop.people.rules import MAX\n\nclass Account:\n    pass\n",
        "shop/people/rules.py": "MAX = 3\n",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    assert sorted(model_service_imports(tmp_path, ["shop"])) == [
        "shop.catalogue.models imports shop.services",
        "shop.models imports shop.services.orders",
        "shop.stock.models.items imports shop.services.orders",
    ]
    assert sorted(import_cycles(tmp_path, ["shop"])) == [
        "shop.a → shop.b → shop.c → shop.a",
        "shop.feed → shop.feed.items → shop.feed",
        "shop.models → shop.services.orders → shop.models",
    ]
