"""The documented examples in every reader: a straight-through estimator (a rule that is
not the derivative, on purpose), every example drawn with its formulas, and a user's
rule under the edge-point rule and its errors said once, in every mode."""

import copy
import math
import pickle
import shutil

import pytest
from test_primitives import CASES, POINTS, define, hypot_u, hypot_v

import autodiff as ad


@pytest.fixture
def round_ste():
    with ad.primitive("round_ste", round, [lambda m, u, out: 1.0],
                      ("round(u)", "1 (straight through)")) as p:
        yield p


def test_a_straight_through_estimator_passes_the_gradient_through(round_ste):
    w = ad.Value(0.9)
    loss = (round_ste(w * 3.0) - 2.0) ** 2
    loss.backward()
    assert (loss.data, w.grad) == (1.0, 6.0)
    assert ad.hvp(lambda u: round_ste(u) * u, (0.9,), (1.0,)) == (2.0,)
    assert not ad.gradcheck(lambda u: round_ste(u), 0.9)


def test_the_straight_through_estimator_in_every_reader(round_ste, tmp_path):
    f = lambda w: (round_ste(w * 3.0) - 2.0) ** 2
    w = ad.Value(0.9, "w")
    loss = f(w)
    assert ad.gradients(loss, [w]) == (6.0,)
    assert ad.gradients(loss, [w], create_graph=True)[0].data == 6.0
    assert ad.grad(f)(0.9) == 6.0 and ad.value_and_grad(f)(0.9) == (1.0, 6.0)
    assert ad.jvp(f, (0.9,), (1.0,)) == (1.0, 6.0)
    g = lambda u: round_ste(u) * u
    assert ad.jacobian(g, "forward")(0.9)[0] == ad.jacobian(g, "reverse")(0.9)[0] == [1.9]
    assert ad.hvp(f, (0.9,), (1.0,)) == (18.0,)  # 2·(1·3)·(1·3): the rule's own derivative is 0
    assert ad.compile_grad(f, 1)(0.9) == (1.0, (6.0,))
    assert ad.compile_graph(loss, [w])(1.2) == (4.0, (12.0,))  # round(3.6) = 4
    explained = str(ad.explain(loss)) + str(ad.explain_forward(loss, {w: 1.0}))
    assert "round_ste(" in explained and "1 (straight through)" in explained
    with ad.count_rules() as count:
        ad.gradients(loss, [w])
    assert count.by_op["round_ste"] == 1
    for copied in (pickle.loads(pickle.dumps(loss)), copy.deepcopy(loss)):
        (leaf,) = [v for v in ad.creation_order(copied) if v.label == "w"]
        assert ad.gradients(copied, [leaf]) == (6.0,)
    if shutil.which("dot") is not None:
        assert "round(u)" in ad.draw(loss).svg()
        page = ad.save_frames(ad.explain(loss), tmp_path / "frames")
        assert "straight through" in page.read_text(encoding="utf-8")
    report = ad.gradcheck(lambda u: round_ste(u), 0.9)  # rightly: it is not the derivative
    assert not report and "1 disagree" in str(report)


def _undefined_rule_runs(f):
    x = ad.Value(0.0, "x")
    return (lambda: f(x).backward(), lambda: ad.gradients(f(x), [x]),
            lambda: ad.value_and_grad(f)(0.0), lambda: ad.jvp(f, (0.0,), (1.0,)),
            lambda: ad.compile_grad(f, 1, example=[1.0])(0.0))


def test_an_undefined_rule_is_reported_once_in_every_mode():
    with ad.primitive("hypot", math.hypot, [hypot_u, hypot_v]) as hypot:
        for f in (lambda x: x.sqrt(), lambda x: hypot(x, x)):
            for run in _undefined_rule_runs(f):
                with pytest.raises(ad.DomainError) as caught:
                    run()
                assert str(caught.value).count("the derivative is undefined") == 1
                assert str(caught.value).count("float division by zero") == 1


def test_a_user_rule_follows_the_edge_point_rule_in_every_mode():
    """A user's rule may be infinite at finite operands (the engine cannot know), so it is
    evaluated even where the gradient or tangent is 0, as div, log, sqrt and pow are."""
    with ad.primitive("mylog", math.log, [lambda m, u, out: 1.0 / u]) as mylog:
        f = lambda x, y: x + mylog(y) * 0.0
        x, y = ad.Value(1.0), ad.Value(5e-324)
        for run in (lambda: f(x, y).backward(), lambda: ad.gradients(f(x, y), [x, y]),
                    lambda: ad.gradients(f(x, y), [x, y], create_graph=True),
                    lambda: ad.jvp(lambda a, b: a + mylog(b), (1.0, 5e-324), (1.0, 0.0)),
                    lambda: ad.compile_grad(f, 2, example=[1.0, 0.5])(1.0, 5e-324)):
            with pytest.raises(ad.GradientOverflowError, match=r"^mylog: the derivative"):
                run()
        assert ad.gradients(f(x, ad.Value(0.5)), [x]) == (1.0,)  # finite there: no error


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")
@pytest.mark.parametrize("name", sorted(CASES))
def test_every_example_is_drawn_with_its_formula_texts(name):
    with define(name) as p:
        leaves = [ad.Value(x, f"x{i}") for i, x in enumerate(POINTS[p.op.arity])]
        out = p(*leaves)
        out.backward()
        svg = ad.draw(out).svg()
        assert f"{name}(x0" in svg and p.op.formula in svg
