"""The layout holds: apps import only downwards, nothing imports in a circle, the pure rules
import nothing from Django, and no module grows past about 400 lines.

docs/architecture.md explains the rule; these tests keep it true. Imports inside functions
count as much as imports at the top of a module.
"""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# From the bottom up: an app may import itself and the apps before it, never one after it.
LAYERS = [
    "core",
    "teams",
    "evidence",
    "assessments",
    "improvement",
    "reviews",
    "insights",
    "notifications",
    "reports",
    "scheduler",
    "accounts",
    "portal",
    "administration",
    "api",
    "demo",
]
PROJECT = "mlops_portal"  # settings, urls and the Celery app: wires the apps together
MAX_LINES = 420


def _modules() -> dict[str, Path]:
    modules = {}
    for package in [*LAYERS, PROJECT]:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


MODULES = _modules()


def _imports(path: Path, module: str) -> set[str]:
    """Every portal module `module` imports, wherever the import statement stands."""
    found = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                ).strip(".")
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in MODULES}
    return found - {module}


GRAPH = {module: _imports(path, module) for module, path in MODULES.items()}


def _app(module: str) -> str:
    return module.split(".")[0]


def test_it_imports_only_from_apps_below():
    upward = [
        f"{module} imports {imported}"
        for module, imports in GRAPH.items()
        if _app(module) in LAYERS
        for imported in imports
        if _app(imported) != _app(module)
        and (_app(imported) == PROJECT or LAYERS.index(_app(imported)) > LAYERS.index(_app(module)))
    ]
    assert upward == []


def test_it_has_no_import_cycle():
    cycles = []
    state: dict[str, str] = defaultdict(lambda: "new")

    def visit(module: str, path: list[str]) -> None:
        state[module] = "on path"
        for imported in sorted(GRAPH[module]):
            if state[imported] == "on path":
                cycles.append([*path[path.index(imported) :], imported])
            elif state[imported] == "new":
                visit(imported, [*path, imported])
        state[module] = "done"

    for module in sorted(GRAPH):
        if state[module] == "new":
            visit(module, [module])
    assert cycles == []


PURE_RULES = ["assessments.rules", "evidence.rules"]


@pytest.mark.parametrize("package", PURE_RULES)
def test_it_keeps_the_pure_rules_free_of_django_and_the_database(package):
    for path in (ROOT / package.replace(".", "/")).glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        outside = {
            name
            for name in imported
            if name.split(".")[0] in {"django", *LAYERS, PROJECT} and not name.startswith(package)
        }
        assert outside == set(), path.name


@pytest.mark.parametrize("module", sorted(MODULES))
def test_it_keeps_every_module_short(module):
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it along a seam"


def test_it_sees_the_whole_code_base():
    """The walk above finds the apps; a rename would otherwise make these tests vacuous."""
    assert {
        "assessments.rules.scoring",
        "insights.selectors.organisation",
        "scheduler.tick",
    } <= set(MODULES)
    assert "assessments.rules.scoring" in GRAPH["assessments.services.answering"]
    assert "reports.services" in GRAPH["reports.tasks"]
