"""The architecture as tests: no import cycle in autodiff or nn (function-level and
TYPE_CHECKING imports count), nn uses only autodiff's public names and no private engine
attribute, the text-only explain never imports graphviz, every module says what it is."""

import ast
from pathlib import Path

import pytest

import autodiff

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(p for package in ("autodiff", "nn") for p in (ROOT / package).rglob("*.py"))
PRIVATE_ENGINE_ATTRIBUTES = {"_tape", "_op", "_a", "_b", "_index", "_label", "_current"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module of autodiff/nn that ``path`` imports, anywhere in the file."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    known = {module_name(p) for p in MODULES}
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            candidates = [target, *(f"{target}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        found |= {c for c in candidates if c in known}
    # Importing a package's own __init__ from inside the package is not a cycle of files.
    return {t for t in found if t != name and not (name.startswith(t + ".") and
                                                   (ROOT / t.replace(".", "/")).is_dir())}


def test_no_import_cycles():
    graph = {module_name(p): imports_of(p) for p in MODULES}
    state: dict[str, int] = {}
    for start in graph:  # iterative depth-first search for a back edge
        if start in state:
            continue
        stack = [(start, iter(sorted(graph[start])))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                cycle = [n for n, _ in stack]
                pytest.fail(f"import cycle: {' -> '.join(cycle[cycle.index(child):])} -> {child}")
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(sorted(graph[child]))))


# What nn may import from autodiff besides its public names: the shared checks and the
# writers of the labels beside their one parser.
NN_MAY_IMPORT = {"autodiff.core.checks", "autodiff.labels"}


def test_nn_imports_only_public_names_of_autodiff_and_no_private_attribute():
    public = set(autodiff.__all__)
    for path in (ROOT / "nn").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("autodiff"):
                if node.module in NN_MAY_IMPORT:
                    continue
                assert node.module == "autodiff", f"{path.name} imports {node.module}"
                assert {a.name for a in node.names} <= public, f"{path.name}: not public"
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("autodiff.") for a in node.names), path.name
            if isinstance(node, ast.Attribute):
                assert node.attr not in PRIVATE_ENGINE_ATTRIBUTES, (
                    f"{path.name}:{node.lineno} reads .{node.attr}")


def test_the_private_attribute_check_can_fail():
    tree = ast.parse("def f(z):\n    return z._tape")
    assert any(isinstance(n, ast.Attribute) and n.attr in PRIVATE_ENGINE_ATTRIBUTES
               for n in ast.walk(tree))


def test_explain_and_the_engine_never_import_graphviz():
    graph = {module_name(p): imports_of(p) for p in MODULES}
    reach, todo = set(), ["autodiff.explain"]
    while todo:
        name = todo.pop()
        if name not in reach:
            reach.add(name)
            todo += graph[name] - {"autodiff"}
    assert not any(m.startswith("autodiff.render") for m in reach), sorted(reach)
    for name in reach:
        path = ROOT / (name.replace(".", "/") + ".py")
        path = path if path.exists() else path.with_suffix("") / "__init__.py"
        source = path.read_text(encoding="utf-8")
        assert "graphviz" not in {a.name.split(".")[0] for n in ast.walk(ast.parse(source))
                                  if isinstance(n, ast.Import) for a in n.names}, name


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_has_a_docstring(path):
    assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))


def test_the_folders_show_the_architecture():
    folders = {p.name for p in (ROOT / "autodiff").iterdir() if p.is_dir() and
               not p.name.startswith("__")}
    assert {"core", "transforms", "codegen", "render"} <= folders
    assert not (ROOT / "autodiff" / "draw").exists()  # it would shadow autodiff.draw


def patches(source: str) -> list[str]:
    """Attributes set on a module or a class from outside it: ``X.attr = ...`` at module
    level, or on an imported name or a module-level class anywhere; and every ``setattr``
    or ``__setattr__`` call. (A class says what it has where it is defined.)"""
    tree = ast.parse(source)
    outside = {alias.asname or alias.name.split(".")[0] for node in ast.walk(tree)
               if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    outside |= {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    module_level = set()
    todo = list(tree.body)
    while todo:  # the module's statements, into if/try/with/for but not into def or class
        node = todo.pop()
        module_level.add(id(node))
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            todo += [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)]
    found = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else [])
        for target in (t for top in targets for t in ast.walk(top)):
            if isinstance(target, ast.Attribute) and isinstance(target.ctx, ast.Store) and (
                    id(node) in module_level or (isinstance(target.value, ast.Name) and
                                                 target.value.id in outside)):
                found.append(f"line {node.lineno}: {ast.unparse(target)} = ...")
        if isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Name) and node.func.id == "setattr") or
                (isinstance(node.func, ast.Attribute) and node.func.attr == "__setattr__")):
            found.append(f"line {node.lineno}: {ast.unparse(node.func)}(...)")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_attribute_is_patched_onto_a_module_or_class_after_import(path):
    assert patches(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("source", [
    "from . import operators\nclass Value:\n    pass\noperators.Value = Value",
    "class Explanation:\n    pass\nExplanation.frame_writer = print",
    "from .ops import Op\ndef f(op):\n    object.__setattr__(op, 'count', 1)",
    "import types\nM = types.SimpleNamespace()\nM.scaled_pow = abs",
    "from .x import table\ndef wire():\n    table.hook = print",
    "def f(x):\n    setattr(x, 'y', 1)",
])
def test_the_patch_check_can_fail(source):
    assert patches(source)


def test_the_patch_check_lets_instances_set_their_own_attributes():
    assert patches("class A:\n    def __init__(self):\n        self.x = 1\n"
                   "def f(node):\n    node.grad = 0.0") == []


def raw_operand_reads(source: str) -> list[int]:
    """Lines that read a node's operand slots (``._a``, ``._b``) directly: outside
    autodiff/core a node's operands are read through its one accessor, ``node.operands``."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Attribute) and node.attr in ("_a", "_b")]


@pytest.mark.parametrize("path", [p for p in MODULES if "core" not in p.parts],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_outside_the_core_operands_are_read_through_node_operands(path):
    assert raw_operand_reads(path.read_text(encoding="utf-8")) == []


def test_the_operand_check_can_fail():
    assert raw_operand_reads("def f(node):\n    return node.operands[0], node._b") == [2]
