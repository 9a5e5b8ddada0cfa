"""`make mutate`: break each derivative rule of the op table in turn and show the tests
catch every one (score "caught N/M"). Not a test module: pytest never collects it.

Each mutant runs in a scratch copy of the package: its ``ops.py`` gets the broken rule,
``autodiff/core/operators.py`` is generated again from that table (as ``make generate``
does), and the engine tests run against the copy with the sync test left out, so a
mutant must be caught by what the engine computes, not by the file being stale.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from strategies import live_partials  # noqa: E402
from test_primitives import CASES  # noqa: E402

from autodiff.core.ops import CONST_LEFT_OPS, CONST_RIGHT_OPS, OPS  # noqa: E402

# The engine tests a mutant must fail, fastest killers first (pytest -x stops at the first).
TEST_FILES = ["test_ops.py", "test_backward.py", "test_functional.py", "test_gradcheck.py",
              "test_errors.py", "test_value.py", "test_engine_source.py"]
SYNC_TEST = "tests/test_engine_source.py::test_the_file_on_disk_is_what_the_table_generates"
TABLES = {"ops": "OPS", "right": "CONST_RIGHT_OPS", "left": "CONST_LEFT_OPS"}
SHOWN = {"ops": "{}", "right": "{}[x∘c]", "left": "{}[c∘x]", "user": "primitive {}"}
# What must catch a user primitive's broken rule: gradcheck, the user's own check.
USER_TEST_FILES = ("test_primitives.py::test_gradcheck_accepts_every_rule_to_second_order",)
FACTORS = {"scale": 1.001, "flip": -1.0}
GENERATE = "tools/engine_source.py"


def mutants() -> list[str]:
    """One spec ``table:op:partial:how`` per (op variant, live partial, mutation)."""
    return [f"{table}:{name}:{i}:{how}"
            for table, ops in {"ops": OPS, "right": CONST_RIGHT_OPS,
                               "left": CONST_LEFT_OPS}.items()
            for name, op in ops.items() for i in live_partials(op) for how in FACTORS] + [
        f"user:{name}:{i}:{how}" for name, (_, partials, _, _) in CASES.items()
        for i in range(len(partials)) for how in FACTORS]


def broken_rule(spec: str) -> str:
    """Python appended to the copy's ops.py: one rule of one Op, times a factor."""
    table, name, index, how = spec.split(":")
    if table == "user":  # appended to primitives.py: the tests' primitive gets the broken rule
        return (f"\n\n# --- mutant {spec} (make mutate) ---\n"
                f"_define = primitive\n\n\n"
                f"def primitive(name, forward, partials, formulas=None):\n"
                f"    if name == {name!r}:\n"
                f"        partials = list(partials)\n"
                f"        rule = partials[{index}]\n"
                f"        partials[{index}] = lambda *args: rule(*args) * {FACTORS[how]!r}\n"
                f"    return _define(name, forward, partials, formulas)\n")
    return (f"\n\n# --- mutant {spec} (make mutate) ---\n"
            f"_op = {TABLES[table]}[{name!r}]\n"
            f"_rule = _op.partials[{index}]\n"
            f"_partials = list(_op.partials)\n"
            f"_partials[{index}] = lambda *args: _rule(*args) * {FACTORS[how]!r}\n"
            f"object.__setattr__(_op, 'partials', tuple(_partials))\n")


def scratch_copy(spec: str) -> Path:
    """The package and tests copied to a new folder, with ``spec``'s rule broken and the
    engine's code generated again from that table."""
    folder = Path(tempfile.mkdtemp(prefix="autodiff-mutant-"))
    ignore = shutil.ignore_patterns("__pycache__", ".hypothesis")
    shutil.copytree(ROOT / "autodiff", folder / "autodiff", ignore=ignore)
    shutil.copytree(ROOT / "tests", folder / "tests", ignore=ignore)
    shutil.copytree(ROOT / "tools", folder / "tools", ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", folder / "pyproject.toml")
    if spec:
        target = "primitives.py" if spec.startswith("user:") else "ops.py"
        with open(folder / "autodiff" / "core" / target, "a", encoding="utf-8") as ops:
            ops.write(broken_rule(spec))
        subprocess.run([sys.executable, GENERATE], cwd=folder, check=True,
                       capture_output=True)
    return folder


def run(spec: str, files: tuple[str, ...] = tuple(TEST_FILES)) -> tuple[str, bool, str, float]:
    """(spec, caught, first failing test, seconds) for one mutant ("" = no mutation)."""
    start = time.perf_counter()
    folder = scratch_copy(spec)
    try:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), str(folder / "tests")]),
               "HYPOTHESIS_PROFILE": "mutate"}
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-rf", "-p", "no:cacheprovider",
                   "--deselect", SYNC_TEST, *(f"tests/{name}" for name in files)]
        result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True,
                                check=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    seconds = time.perf_counter() - start
    failed = re.search(r"^FAILED (\S+)", result.stdout, re.MULTILINE)
    if result.returncode not in (0, 1):  # 1 = tests failed; anything else is a broken run
        raise RuntimeError(f"pytest could not run for {spec!r}:\n{result.stdout}{result.stderr}")
    return spec, result.returncode == 1, failed.group(1) if failed else "", seconds


def describe(spec: str) -> str:
    table, name, index, how = spec.split(":")
    partial = "∂/∂" + "uv"[int(index)]
    return f"{SHOWN[table].format(name)} {partial} {'×1.001' if how == 'scale' else '×(−1)'}"


def main(files: tuple[str, ...]) -> int:
    """Mutate against ``files`` (default: all engine test files) and print the table."""
    start = time.perf_counter()
    _, broken, first, _ = run("", files)
    if broken:
        print(f"the unmutated suite fails ({first}): fix it before mutating")
        return 2
    specs = mutants()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = list(pool.map(lambda spec: run(
            spec, USER_TEST_FILES if spec.startswith("user:") else files), specs))
    print(f"{'mutant':<26} {'caught':<7} {'seconds':>7}  first failing test")
    for spec, caught, test, seconds in results:
        print(f"{describe(spec):<26} {'yes' if caught else 'NO':<7} {seconds:7.1f}  {test}")
    caught_count = sum(caught for _, caught, _, _ in results)
    print(f"\ncaught {caught_count}/{len(results)} mutants "
          f"({len(files)} engine test files, {time.perf_counter() - start:.0f} s)")
    return 0 if caught_count == len(results) else 1


if __name__ == "__main__":
    # Optional arguments: a subset of test files, e.g. to see what test_backward.py alone catches.
    sys.exit(main(tuple(sys.argv[1:]) or tuple(TEST_FILES)))
