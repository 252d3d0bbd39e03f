"""The package's shape (issue 8, docs/architecture.md): imports point down the layers only, no
import cycles, library layers never print and never import the CLI framework, and no module is
over 600 lines. Read from the source with ``ast`` (lazy imports inside functions count too)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "survtrial"

# lowest first; a module may import its own layer's and lower layers' modules only
LAYERS: dict[str, int] = {
    "_errors": 0,
    "units": 0,
    "arrays": 0,
    "_compiled": 0,
    "_processes": 0,
    "stats": 1,
    "design": 2,
    "analysis": 3,
    "protocol": 4,
    "trial": 5,
    "io": 6,
    "reconstruct": 6,
    "simulate": 6,
    "reproduce": 6,
    "monitor": 6,
    "report": 7,
    "cli": 8,
    "__main__": 8,
}
LIBRARY = {"stats", "design", "analysis", "protocol", "trial", "io", "reconstruct", "simulate",
           "reproduce", "monitor"}
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _top(module: str) -> str:
    """The layer key of a survtrial module: its first part below ``survtrial``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path, module: str) -> set[str]:
    """survtrial modules imported anywhere in the file (absolute and relative imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("survtrial")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if not name.startswith("survtrial"):
                continue
            for a in node.names:  # "from survtrial.x import y": y may be a module
                sub = f"{name}.{a.name}"
                found.add(sub if sub in MODULES else name)
    return found


GRAPH = {m: {i for i in _imports(p, m) if i in MODULES and i != m} for m, p in MODULES.items()}


def test_every_top_level_module_has_a_layer():
    tops = {_top(m) for m in MODULES} - {""}
    assert tops <= set(LAYERS), sorted(tops - set(LAYERS))


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    if _top(module) == "":
        return  # survtrial/__init__: checked below
    here = LAYERS[_top(module)]
    upward = sorted(
        i for i in GRAPH[module] if _top(i) and LAYERS[_top(i)] > here
    )
    assert not upward, f"{module} (layer {here}) imports upward: {upward}"


def test_package_root_imports_only_the_lowest_layer():
    """``import survtrial`` stays cheap: the version and the error type, nothing else."""
    assert {_top(i) for i in GRAPH["survtrial"]} <= {"_errors", "units"}


def test_no_import_cycles():
    """Depth-first search for a back edge in the module import graph."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(GRAPH[m]):
            if state.get(n) == 1:
                cycle = [*stack[stack.index(n):], n]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m)


def _prints_or_uses_cli(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id == "print":
                found.append(f"print() on line {node.lineno}")
            if isinstance(f, ast.Attribute) and f.attr in ("write", "echo", "print"):
                owner = ast.unparse(f.value)
                if owner in ("sys.stdout", "sys.stderr", "typer", "console", "rich"):
                    found.append(f"{owner}.{f.attr}() on line {node.lineno}")
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [
                node.module or ""
            ]
            for n in names:
                if n.split(".")[0] in ("typer", "click"):
                    found.append(f"imports {n} on line {node.lineno}")
    return found


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _top(m) in LIBRARY))
def test_library_layers_do_not_print_or_import_the_cli_framework(module):
    assert not _prints_or_uses_cli(MODULES[module]), module


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_over_600_lines(module):
    n = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{module}: {n} lines"


def test_the_checks_can_fail(tmp_path):
    """The detectors find what they look for (so the tests above are not vacuous)."""
    bad = tmp_path / "bad.py"
    bad.write_text("import typer\nprint('x')\nimport sys\nsys.stdout.write('y')\n")
    assert len(_prints_or_uses_cli(bad)) == 3
    assert _imports(SRC / "trial" / "engine.py", "survtrial.trial.engine") >= {
        "survtrial.analysis",
        "survtrial.trial.cut",
    }
    assert any(_top(i) == "report" for i in GRAPH["survtrial.cli.analyze"])
