"""The seed's network as the playground runs it: nn without numpy, the engine's numbers.

numpy cannot be installed in the page, so the parts of nn the page uses (MLP.from_weights,
the loss, SGD, explain and the step-through frames) must import and run without it; they
must also give the numbers nn gives with numpy, bit for bit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nn

ROOT = Path(__file__).resolve().parents[1]

TRAIN = """
import json, sys
import autodiff, nn
reference = json.loads(sys.stdin.read())
model = nn.MLP.from_weights(reference["initial_theta"])
optimizer = nn.SGD(model, reference["learning_rate"])
losses = []
for epoch in range(3):
    optimizer.zero_grad()
    loss = nn.half_squared_error([model(x) for x in reference["X"]], reference["y"])
    loss.backward()
    optimizer.step()
    losses.append(repr(loss.data))
print(json.dumps({"losses": losses, "steps": len(autodiff.explain(loss).steps),
                  "numpy": "numpy" in sys.modules and sys.modules["numpy"] is not None}))
"""
BLOCK_NUMPY = 'import sys; sys.modules["numpy"] = None  # `import numpy` now raises ImportError\n'


def _run(script: str) -> dict:
    reference = json.dumps(nn.seed_reference())
    run = subprocess.run([sys.executable, "-c", script], input=reference, capture_output=True,
                         text=True, check=True, cwd=ROOT)
    return json.loads(run.stdout)


def test_the_parts_the_page_uses_run_without_numpy():
    without, usual = _run(BLOCK_NUMPY + TRAIN), _run(TRAIN)
    assert not without.pop("numpy")
    usual.pop("numpy")
    assert without == usual
    assert without["steps"] > 0
