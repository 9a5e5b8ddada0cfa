"""Build the playground: a static folder that runs the project in the browser, offline.

    python playground/build.py site/playground

The folder holds the page, Pyodide's core (CPython in WebAssembly, from the npm package
``pyodide``), Graphviz in WebAssembly (``@viz-js/viz``), the project's wheel built from this
checkout, the pure-Python wheels it needs (``requirements.txt``, from pip) and the page's
Python code. Every path is relative and nothing is fetched from another host, so any static
server (GitHub Pages included) can serve it. The folder is built next to its destination
and swapped in whole, so an interrupted build leaves the previous one in place.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PAGE = ("index.html", "playground.css", "playground.js")
PYODIDE = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
           "pyodide-lock.json")
VIZ = "viz.js"
PROJECT = ("pyproject.toml", "README.md", "LICENSE", "autodiff", "nn")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    modules = HERE / "node_modules"
    if not (modules / "pyodide" / "pyodide.mjs").is_file():
        print("playground/node_modules is missing: run `npm ci` in playground/ "
              "(or `make playground`)", file=sys.stderr)
        return 1
    target = Path(argv[0]).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    staging.chmod(0o755)
    try:
        build(staging, modules)
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
            staging.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    print(f"built {target} ({size / 1e6:.1f} MB)")
    return 0


def build(folder: Path, modules: Path) -> None:
    """Write the whole playground into ``folder`` (an empty directory)."""
    for name in PAGE:
        shutil.copy2(HERE / name, folder / name)
    for name in PYODIDE:
        shutil.copy2(modules / "pyodide" / name, folder / name)
    shutil.copy2(modules / "@viz-js" / "viz" / "dist" / VIZ, folder / VIZ)
    wheels = folder / "wheels"
    wheels.mkdir()
    _project_wheel(wheels)
    _pip(["download", "--no-deps", "--only-binary=:all:", "--dest", str(wheels),
          "-r", str(HERE / "requirements.txt")])
    names = sorted(p.name for p in wheels.glob("*.whl"))
    impure = [n for n in names if not n.endswith("-py3-none-any.whl")]
    if impure:
        raise SystemExit(f"the page installs pure-Python wheels only, not {impure}")
    with zipfile.ZipFile(folder / "autodiff_playground.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted((HERE / "autodiff_playground").glob("*.py")):
            z.write(path, f"autodiff_playground/{path.name}")
    versions = json.loads((modules / ".package-lock.json").read_text())["packages"]
    manifest = {"wheels": [f"wheels/{n}" for n in names],
                "code": "autodiff_playground.zip",
                "pyodide": versions["node_modules/pyodide"]["version"],
                "viz": versions["node_modules/@viz-js/viz"]["version"]}
    (folder / "assets.json").write_text(json.dumps(manifest, indent=1) + "\n")


def _project_wheel(dest: Path) -> None:
    """The project's wheel, built from a clean copy of the checkout's sources."""
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "src"
        source.mkdir()
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        for name in PROJECT:
            path = ROOT / name
            if path.is_dir():
                shutil.copytree(path, source / name, ignore=ignore)
            elif path.is_file():
                shutil.copy2(path, source / name)
        _pip(["wheel", "--no-deps", "--wheel-dir", str(dest), str(source)])


def _pip(args: list[str]) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check",
                    *args], check=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
