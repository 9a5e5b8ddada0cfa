"""One order, identical bits: the tape walk, the sorted walk, gradients(), value_and_grad,
explain and compile_grad sum every node's gradient in the same order, so they agree to
the last bit (float.hex: -0.0 is not 0.0; any NaN equals any NaN)."""

import math

from hypothesis import given, settings
from strategies import build_small_graph, expressions, small_graphs

import autodiff as ad
from autodiff import Value, compile_grad, enable_grad, explain, gradients, no_grad, value_and_grad


def bits(x: float) -> str:
    return "nan" if math.isnan(x) else float(x).hex()


def leaves(args) -> list[Value]:
    return [Value(a, f"x{i}") for i, a in enumerate(args)]


def tape_walk(f, args) -> list[str]:
    xs = leaves(args)
    out = f(*xs)
    assert not out.op or out._tape.pure  # built on a fresh tape: backward() walks it
    out.backward()
    return [bits(x.grad) for x in xs]


def sorted_walk(f, args) -> list[str]:
    xs = leaves(args)
    with no_grad(), enable_grad():  # a private tape, retired on exit: backward() sorts
        out = f(*xs)
    assert not out.op or not out._tape.pure
    out.backward()
    return [bits(x.grad) for x in xs]


def every_way(f, args) -> dict[str, list[str]]:
    n = len(args)
    ways = {"tape walk": tape_walk(f, args), "sorted walk": sorted_walk(f, args)}
    xs = leaves(args)
    out = f(*xs)
    ways["gradients()"] = [bits(g) for g in gradients(out, xs)]
    ways["explain"] = [bits(explain(out).gradient(x)) for x in xs]
    _, grads = value_and_grad(f, argnums=tuple(range(n)))(*args)
    ways["value_and_grad"] = [bits(g) for g in grads]
    ways["compile_grad"] = [bits(g) for g in compile_grad(f, n, example=args)(*args)[1]]
    return ways


@settings(max_examples=60)
@given(expressions(max_arity=3, kinks=True))
def test_all_passes_agree_bit_for_bit_on_random_expressions(case):
    f, args = case
    ways = every_way(f, args)
    assert all(w == ways["tape walk"] for w in ways.values()), ways


@settings(max_examples=60)
@given(small_graphs())
def test_all_passes_agree_bit_for_bit_on_graphs_with_reuse(case):
    steps, args = case
    ways = every_way(lambda *xs: build_small_graph(steps, xs)[-1], args)
    assert all(w == ways["tape walk"] for w in ways.values()), ways


def test_the_issues_example_rounds_alike_on_every_path():
    def f(x):
        return x.sin() * x.exp() + (x * x) * x.sin() + x.exp() * (x * x)
    ways = every_way(f, (0.4,))
    assert len({tuple(w) for w in ways.values()}) == 1, ways


def test_a_single_negative_zero_contribution_gives_plus_zero_everywhere():
    """The one rule: a gradient starts at +0.0 and contributions are added to it."""
    def f(w):
        return -(w * 0.0)
    ways = every_way(f, (1.5,))
    assert all(w == [bits(0.0)] for w in ways.values()), ways
    w = Value(1.5)
    assert bits(gradients(f(w), [w], create_graph=True)[0].data) == bits(0.0)


def test_interior_gradients_agree_between_the_walks():
    def build():
        x = Value(0.3, "x")
        a = x.sin() * x
        b = a * a + x.exp() * a
        return x, a, b, (b * a).tanh() + b
    x, a, b, out = build()
    out.backward()
    tape = [bits(v.grad) for v in (x, a, b)]
    with no_grad(), enable_grad():
        x, a, b, out = build()
    out.backward()
    assert [bits(v.grad) for v in (x, a, b)] == tape
    assert ad.creation_order(out)[-1] is out


def test_every_forward_pass_is_one_walk():
    """forward_sweep and compile_grad's forward code both read forward_walk: a walk that
    sees every op node, oldest first, is told of each node of both."""
    from unittest import mock

    from autodiff.codegen import emit
    from autodiff.transforms import forward

    x, y = Value(2.0, "x"), Value(3.0, "y")
    z = (x * y).sin() + x
    seen = []
    real = forward.forward_walk

    def spy(nodes, reached, step):
        nodes = list(nodes)
        seen.append([n.op for n in nodes if n.op])
        return real(nodes, reached, step)

    with mock.patch.object(forward, "forward_walk", spy), \
            mock.patch.object(emit, "forward_walk", spy):
        ad.forward_tangents(z, {x: 1.0})
        compile_grad(lambda a, b: (a * b).sin() + a, 2)(2.0, 3.0)
    assert seen == [["mul", "sin", "add"]] * 2
