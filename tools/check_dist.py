"""Build the distribution and prove it installs and runs away from the repository.

Builds the wheel and the sdist into ``dist/`` (``python -m build``), runs ``twine check``
on both, checks what the wheel holds (both packages, their ``py.typed``, the seed's numbers, the
step-through page; no tests, benchmarks, demos or tools), then installs the wheel into a
new venv in a temporary folder outside the repository and runs the README's tour and the
seed's XOR network (``demos/tour.py``, ``demos/xor.py``, copied there) with that venv's
Python, from that folder: once with the newest dependencies, once with each dependency at
the lower bound of its range. Exits non-zero on the first failure. Used by CI (``.ci/run``)
and ``make dist``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEEDED = {"autodiff/__init__.py", "autodiff/py.typed", "autodiff/render/page/index.html",
          "nn/__init__.py", "nn/py.typed", "nn/seed_xor.json"}
FORBIDDEN_TOP = {"tests", "benchmarks", "demos", "tools", "docs"}


def run(*command: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> None:
    print("$", " ".join(str(c) for c in command), flush=True)
    subprocess.run([str(c) for c in command], cwd=cwd, env=env, check=True)


def check_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = NEEDED - names
    if missing:
        sys.exit(f"the wheel lacks {sorted(missing)}")
    stray = sorted(n for n in names if n.split("/")[0] in FORBIDDEN_TOP)
    if stray:
        sys.exit(f"the wheel holds files that are not the library: {stray[:5]}")
    print(f"{wheel.name}: {len(names)} files, py.typed and the seed's numbers included, "
          "no tests or benchmarks")


def main() -> None:
    dist = ROOT / "dist"
    for old in [*dist.glob("*.whl"), *dist.glob("*.tar.gz")]:  # one build's files, no stale ones
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="autodiff-dist-") as scratch:
        work = Path(scratch)
        run(sys.executable, "-m", "build", "--outdir", dist, ROOT)
        wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
        if len(wheels) != 1 or len(sdists) != 1:
            built = sorted(p.name for p in dist.iterdir())
            sys.exit(f"expected one wheel and one sdist, got {built}")
        run(sys.executable, "-m", "twine", "check", "--strict", *wheels, *sdists)
        check_wheel_contents(wheels[0])

        for demo in ("tour.py", "xor.py"):
            shutil.copy(ROOT / "demos" / demo, work / demo)
        newest: list[str] = []
        lowest = [re.sub(r">=([^,]+).*", r"==\1", spec) for spec in runtime_dependencies()]
        for name, pins in (("newest", newest), ("lowest", lowest)):
            print(f"--- a clean venv, the wheel, its dependencies at their {name} versions",
                  *pins, flush=True)
            try_the_wheel(work / name, wheels[0], pins)
    print("the wheel installs and runs outside the repository")


def runtime_dependencies() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = project["dependencies"]
    if not all(re.match(r"[\w-]+>=[\w.]+,<[\w.]+$", spec) for spec in specs):
        sys.exit(f"dependencies must be ranges 'name>=low,<high': {specs}")
    return specs


def try_the_wheel(folder: Path, wheel: Path, pins: list[str]) -> None:
    """Install ``wheel`` (with ``pins``) into a new venv in ``folder`` and run the demos
    copied next to it, from there, in isolated mode."""
    venv.create(folder, with_pip=True)
    python = folder / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel, *pins)
    work = folder.parent
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # -I: isolated mode, so neither the current folder nor PYTHONPATH can supply the code
    run(python, "-I", "-c", "import autodiff, nn, numpy; print('autodiff', autodiff.__version__, "
        "'from', autodiff.__file__, '| numpy', numpy.__version__)", cwd=work, env=env)
    run(python, "-I", work / "tour.py", cwd=work, env=env)
    run(python, "-I", work / "xor.py", cwd=work,
        env={**env, "DEMO_OUT": str(folder / "out")})


if __name__ == "__main__":
    main()
