"""Graphviz's ``dot`` in the page: the same program, built for WebAssembly (viz.js).

The ``graphviz`` package runs ``dot`` as a subprocess, which a browser has none of. Its one
runner, ``graphviz.backend.execute.run_check``, is pointed at a function that hands the DOT
text to the WebAssembly build and answers like the process would, so every drawing of the
project (``autodiff.draw``, the step-through frames, the network view) runs unchanged.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from typing import Any


def use_renderer(render: Callable[[str, str, str], str]) -> None:
    """Route graphviz's ``dot`` calls to ``render(dot_source, engine, format)`` (text out)."""
    from graphviz.backend import execute

    def run_check(cmd: Sequence[Any], *, input_lines: Any = None, encoding: str | None = None,
                  quiet: bool = False, **kwargs: Any) -> subprocess.CompletedProcess:
        args = [str(a) for a in cmd]
        engine = next((a[2:] for a in args if a.startswith("-K")), "dot")
        formats = [a[2:] for a in args if a.startswith("-T")]
        if len(formats) != 1 or formats[0].split(":")[0] != "svg":
            raise RuntimeError(f"the page's Graphviz writes SVG only, not {formats}")
        source = kwargs.get("input")
        if input_lines is not None:
            source = b"".join(line if isinstance(line, bytes) else line.encode()
                              for line in input_lines)
        if isinstance(source, bytes):
            source = source.decode("utf-8")
        svg = render(source, engine, "svg")
        out: str | bytes = svg if encoding else svg.encode("utf-8")
        return subprocess.CompletedProcess(args, 0, stdout=out, stderr=out[:0])

    execute.run_check = run_check
