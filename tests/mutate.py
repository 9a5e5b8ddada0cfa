"""`make mutate`: break each derivative rule of the op table in turn and show the engine
tests catch every one (score "caught N/M"). Not a test module: pytest never collects it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from strategies import live_partials  # noqa: E402

from autodiff.core.ops import CONST_LEFT_OPS, CONST_RIGHT_OPS, OPS  # noqa: E402

# The engine tests a mutant must fail, fastest killers first (pytest -x stops at the first).
TEST_FILES = ["test_ops.py", "test_backward.py", "test_functional.py", "test_check.py",
              "test_errors.py", "test_value.py"]
TABLES = {"ops": OPS, "right": CONST_RIGHT_OPS, "left": CONST_LEFT_OPS}
SHOWN = {"ops": "{}", "right": "{}[x∘c]", "left": "{}[c∘x]"}


def mutants() -> list[str]:
    """One spec per (op variant, live partial, mutation): see tests/mutation_plugin.py."""
    return [f"{table}:{name}:{i}:{how}"
            for table, ops in TABLES.items() for name, op in ops.items()
            for i in live_partials(op) for how in ("scale", "flip")]


def run(spec: str, files: tuple[str, ...] = tuple(TEST_FILES)) -> tuple[str, bool, str, float]:
    """(spec, caught, first failing test, seconds) for one mutant ("" = no mutation)."""
    env = {**os.environ, "AUTODIFF_MUTATION": spec,
           "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-rf", "-p", "mutation_plugin",
               "-p", "no:cacheprovider", *(f"tests/{name}" for name in files)]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                            check=False)
    seconds = time.perf_counter() - start
    failed = re.search(r"^FAILED (\S+)", result.stdout, re.MULTILINE)
    if result.returncode not in (0, 1):  # 1 = tests failed; anything else is a broken run
        raise RuntimeError(f"pytest could not run for {spec!r}:\n{result.stdout}{result.stderr}")
    return spec, result.returncode == 1, failed.group(1) if failed else "", seconds


def describe(spec: str) -> str:
    table, name, index, how = spec.split(":")
    partial = "∂/∂" + "ab"[int(index)]
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
        results = list(pool.map(lambda spec: run(spec, files), specs))
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
