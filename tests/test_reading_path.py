"""The reading path of docs/internals.md (a * b from the op table to its backward step)
points at the code it names: each file:line range starts at its definition and covers it
whole, the path stays within four files and about 100 lines, and the pieces stay short."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| \d+ \| `(autodiff/[\w/]+\.py):(\d+)(?:-(\d+))?` \| (\d+) \|", re.M)
# What the first line of each range must hold, in the table's order.
STARTS = ['_binary("mul"', "def __mul__(self, other):", "def backward(self",
          "def backward(output", "def reverse_sweep(", "OP_mul: mul_backward,",
          "def mul_backward(node, g):"]


def path_rows():
    text = (ROOT / "docs" / "internals.md").read_text(encoding="utf-8")
    section = text[text.index("## Reading the chain rule"):]
    section = section[:section.index("\n## ", 3)]
    return [(file, int(first), int(last or first), int(count))
            for file, first, last, count in ROW.findall(section)]


def lines_of(file):
    return (ROOT / file).read_text(encoding="utf-8").splitlines()


def problems(rows):
    """What is wrong with the table's rows (nothing, when each range is its definition)."""
    found = []
    for (file, first, last, count), start in zip(rows, STARTS, strict=True):
        lines = lines_of(file)
        if start not in lines[first - 1]:
            found.append(f"{file}:{first} is not {start!r}")
        if count != last - first + 1:
            found.append(f"{file}:{first}-{last} is not {count} lines")
        if start.startswith("def "):  # a whole function: the next line leaves its body
            indent = len(lines[first - 1]) - len(lines[first - 1].lstrip())
            after = lines[last] if last < len(lines) else ""
            if after.strip() and len(after) - len(after.lstrip()) > indent:
                found.append(f"{file}:{first}-{last} stops inside the function")
    return found


def test_every_range_starts_at_its_definition_and_covers_it_whole():
    rows = path_rows()
    assert len(rows) == len(STARTS)
    assert problems(rows) == []


def test_the_check_can_fail():
    rows = path_rows()
    file, first, last, count = rows[1]
    shifted = [*rows[:1], (file, first + 1, last, count), *rows[2:]]
    cut = [*rows[:1], (file, first, last - 3, count - 3), *rows[2:]]
    assert problems(shifted) and problems(cut)


def test_the_path_is_four_files_and_about_a_hundred_lines():
    rows = path_rows()
    assert len({file for file, *_ in rows}) <= 4
    assert sum(count for *_, count in rows) <= 120


@pytest.mark.parametrize(("start", "most"), [("def __mul__(self, other):", 33),
                                             ("def reverse_sweep(", 30)])
def test_mul_and_the_backward_loop_are_each_on_one_screen(start, most):
    for file, first, last, _ in path_rows():
        if start in lines_of(file)[first - 1]:
            assert last - first + 1 <= most
            return
    pytest.fail(f"{start} is not on the reading path")
