"""The fenced code blocks of a Markdown page, and the rules by which the tests run them.

- A ```` ```python ```` block is executed; the blocks of one page run in order in one
  namespace (a session), in a temporary working folder.
- A ```` ```text ```` block right after a Python block (only blank lines between) is that
  block's standard output, compared line by line (trailing spaces ignored).
- A ```` ```python title="path/in/the/repo.py" ```` block is an excerpt: its lines must
  appear in that file one after another (indentation aside), so it cannot drift from the
  code; it is not executed.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^(`{3,})([^\n`]*)$")


@dataclass
class Block:
    language: str  # "python", "text", "sh", "" ...
    attributes: str  # the rest of the info string, e.g. title="..."
    code: str
    line: int  # 1-based line of the opening fence
    follows_block: bool  # only blank lines between the previous block's closing fence and this

    @property
    def title(self) -> str | None:
        match = re.search(r'title="([^"]*)"', self.attributes)
        return match.group(1) if match else None


def blocks(text: str) -> list[Block]:
    """Every top-level fenced block, in order."""
    lines = text.split("\n")
    found: list[Block] = []
    k, last_close = 0, -10
    while k < len(lines):
        match = FENCE.match(lines[k])
        if not match:
            k += 1
            continue
        fence, info = match.group(1), match.group(2).strip()
        language, _, attributes = info.partition(" ")
        end = k + 1
        while end < len(lines) and lines[end].rstrip() != fence:
            end += 1
        if end == len(lines):
            raise ValueError(f"line {k + 1}: a code fence that is never closed")
        between = lines[last_close + 1:k] if last_close >= 0 else ["x"]
        found.append(Block(language, attributes, "\n".join(lines[k + 1:end]) + "\n", k + 1,
                           all(not line.strip() for line in between)))
        last_close, k = end, end + 1
    return found


def is_excerpt(code: str, source: str) -> bool:
    """``code``'s lines appear in ``source`` one after another, as written up to the indent
    (an excerpt may be dedented)."""
    wanted = [line.strip() for line in code.strip("\n").split("\n")]
    lines = [line.strip() for line in source.split("\n")]
    return any(lines[k:k + len(wanted)] == wanted for k in range(len(lines) - len(wanted) + 1))


def normalized(output: str) -> list[str]:
    return [line.rstrip() for line in output.strip("\n").split("\n")]


def run_page(path: Path, root: Path, cwd: Path) -> int:
    """Run a page's Python blocks as a session and check their outputs; return how many ran."""
    import os

    page = blocks(path.read_text(encoding="utf-8"))
    namespace: dict[str, object] = {"__name__": "__main__"}
    ran, previous_output = 0, None
    here = os.getcwd()
    os.chdir(cwd)
    try:
        for block in page:
            where = f"{path.name}:{block.line}"
            if block.language == "python" and block.title:
                source = (root / block.title).read_text(encoding="utf-8")
                assert is_excerpt(block.code, source), f"{where}: excerpt not in {block.title}"
                previous_output = None
            elif block.language == "python":
                stdout = io.StringIO()
                with contextlib.redirect_stdout(stdout):
                    exec(compile(block.code, where, "exec"), namespace)
                previous_output, ran = stdout.getvalue(), ran + 1
            elif block.language == "text" and block.follows_block and previous_output is not None:
                assert normalized(previous_output) == normalized(block.code), (
                    f"{where}: the output block differs from the real output:\n{previous_output}")
                previous_output = None
            else:
                previous_output = None
    finally:
        os.chdir(here)
    return ran
