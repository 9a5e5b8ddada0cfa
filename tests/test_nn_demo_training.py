"""The bench row for micrograd's demo training (benchmarks/demo_training.py): nn follows
micrograd's loss trace, and the row and its notes are computed from the runs."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import demo_training


def test_nn_follows_micrograds_trace_step_by_step():
    pytest.importorskip("micrograd")
    pytest.importorskip("sklearn")  # both come with the bench extra: pip install -e '.[bench]'
    runs = demo_training.group_demo({"demo_steps": 2})["demo_run"]
    ours, theirs = runs[demo_training.OURS], runs[demo_training.THEIRS]
    assert theirs["losses"][0] == pytest.approx(0.8958441028683222, rel=1e-15)  # the notebook
    for a, b in zip(ours["losses"], theirs["losses"], strict=True):
        assert a == pytest.approx(b, rel=1e-12)
    assert ours["accuracies"] == theirs["accuracies"] == [0.5, 0.81]


def fake_run_group(seconds_ours, seconds_theirs, losses_ours, losses_theirs):
    def run_group(name, quick):
        assert name == "demo"
        return {"demo_run": {
            demo_training.OURS: {"seconds": seconds_ours, "losses": losses_ours,
                                 "accuracies": [0.5] * len(seconds_ours)},
            demo_training.THEIRS: {"seconds": seconds_theirs, "losses": losses_theirs,
                                   "accuracies": [0.5] * len(seconds_ours)}}}
    return run_group


def test_the_row_reports_time_per_step_the_ratio_and_the_trace():
    workloads, notes = {}, []
    run_group = fake_run_group([0.04, 0.05], [1.0, 1.5], [1.0, 0.5], [1.0, 0.5 * (1 + 1e-14)])
    demo_training.measure(run_group, False, workloads, notes)
    row = workloads["demo_training"]
    assert row[demo_training.OURS]["value"]["median"] == pytest.approx(45.0)
    assert row[demo_training.THEIRS]["ratio"]["median"] == pytest.approx(27.5)
    assert "**27.8×**" in notes[0]  # total time ÷ total time: 2.5 / 0.09
    assert "equal to 1e-12" in notes[0] and "NOT" not in notes[0]


def test_a_trace_that_differs_is_reported():
    workloads, notes = {}, []
    run_group = fake_run_group([0.04], [1.0], [1.0], [1.0 + 1e-9])
    demo_training.measure(run_group, False, workloads, notes)
    assert "NOT equal to 1e-12" in notes[0]


def test_a_failed_run_skips_the_row():
    workloads, notes = {}, []
    demo_training.measure(lambda name, quick: {"_failed": {}}, False, workloads, notes)
    assert workloads == {} and "failed" in notes[0]
