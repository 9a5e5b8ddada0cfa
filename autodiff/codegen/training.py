"""`compile_training`: a whole training loop written as straight-line Python.

The weights stay in local variables from one epoch to the next. Each epoch is the lines of
a compiled gradient (:mod:`autodiff.codegen.emit`: the forward pass, then the reverse pass
from the op table's rules), then the optimiser's update, written from the optimiser's own
rule run on code-generation symbols, then one check. Nothing is called per epoch but the
op table's forwards and ``losses.append``.

The check keeps the results exactly the eager engine's: where an input, a value of the
forward pass (see ``emit``) or a new weight is inf or nan, or an op raises, the loop
stops *before* that epoch's update and returns the weights of the last good step, so the
caller can take that one step on the eager engine, which raises its own error (or, for an
inf that IEEE arithmetic absorbs, takes the step), and go on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from ..core.graph import creation_order
from ..core.value import Value
from .compile import _namespace
from .emit import _Generator, _plus_zero
from .symbols import SUM, Sym, constant, name

_FILENAME = "<autodiff.compile_training>"
_CHECKS_PER_LINE = 12

#: ``update(weight, gradient, state) -> (new weight, new state)``: one parameter's step, in
#: plain arithmetic that runs on floats and on code-generation symbols.
UpdateRule = Callable[[Any, Any, Any], tuple[Any, Any]]


class CompiledTraining(Protocol):
    """``train(epochs, stop, losses, weights, states)`` runs up to ``epochs`` epochs and
    returns ``(done, weights, states, grads, aux)``; ``.source`` is the generated code."""

    source: str

    def __call__(self, epochs: int, stop: Any, losses: list[float], weights: Sequence[float],
                 states: Sequence[float]) -> tuple[Any, ...]: ...


def compile_training(loss: Value, params: Sequence[Value], update: UpdateRule,
                     aux: Sequence[Value | float] = (), *, signed_zero_gradients: bool = True
                     ) -> CompiledTraining:
    """Compile full-batch training on the graph of ``loss`` (a trace: replayed as it is).

    ``train(epochs, stop, losses, weights, states)`` starts from the floats ``weights``
    (one per parameter, in the order of ``params``) and the optimiser's ``states`` (one
    per parameter, e.g. momentum buffers), and runs epochs: the loss and its gradient at
    the current weights, then ``weight, state = update(weight, gradient, state)`` for
    each parameter. Each epoch's loss (+0.0, as ``math.fsum`` gives it) is appended to
    ``losses``; after an epoch the loop stops early when ``stop.requested`` is true.

    It returns ``(done, weights, states, grads, aux)``: the epochs completed, the weights
    and states after them, and the gradients (+0.0 rule applied) and ``aux`` values of
    the last of them. If epoch ``done`` has an inf or nan (or raises), ``grads`` and
    ``aux`` are None and the weights and states are those before it: take that step
    another way (the eager engine) to raise its error.

    The update sees each gradient as the eager engine's ``.grad`` holds it: a sum that is
    -0.0 as +0.0. ``signed_zero_gradients=False`` hands it the raw sums instead (one
    addition less per parameter and epoch), for a caller that knows the sign of a zero
    gradient cannot change the update's result (SGD without momentum, when no weight is
    -0.0: then ``w − lr·g`` is the same float for g = ±0).
    """
    params, aux = list(params), list(aux)
    order = creation_order(*(v for v in (loss, *aux) if isinstance(v, Value)))
    source = training_source(params, loss, aux, order, update, signed_zero_gradients)
    namespace = _namespace(order, params, loss, aux)
    namespace.update(range=range, KeyboardInterrupt=KeyboardInterrupt)
    exec(compile(source, _FILENAME, "exec"), namespace)
    train = namespace["train"]
    train.source = source
    return train


def training_source(params: list[Value], loss: Any, aux: list[Any], order: list[Value],
                    update: UpdateRule, signed_zero_gradients: bool = True) -> str:
    """The source of ``train(epochs, stop, losses, weights, states)``."""
    gen = _Generator(params, loss, order)
    gen.forward()

    def value_of(x: Any) -> Sym:
        return gen.sym[id(x)] if isinstance(x, Value) else constant(x)

    forward_lines, gen.lines = gen.lines, []
    grads = gen.reverse()
    reverse_lines = gen.lines
    n = len(params)
    weights = [f"x{i}" for i in range(n)]
    states = [f"s{i}" for i in range(n)]
    update_lines, checks, rebind = [], [], []
    gradient_texts = []
    for i, v in enumerate(params):
        grad = grads.get(id(v))
        if grad is None:  # the loss does not depend on this parameter
            gradient = constant(0.0)
        elif grad.const is not None:
            gradient = constant(grad.const + 0.0)
        else:
            gradient = Sym(_plus_zero(grad), SUM)  # as .grad holds it: -0.0 becomes +0.0
        gradient_texts.append(gradient.text)
        if not signed_zero_gradients and grad is not None and grad.const is None:
            gradient = grad
        new_weight, new_state = update(name(weights[i]), gradient, name(states[i]))
        label = v.label or f"parameters[{i}]"
        weight_text = new_weight.text
        if new_state.text != states[i]:  # the state first; the weight's update reads it
            target = f"new_{states[i]}"
            update_lines.append(f"{target} = {new_state.text}  # {label}: its state")
            weight_text = weight_text.replace(f"({new_state.text})", target)
            checks.append(target)
            rebind.append(f"{states[i]} = {target}")
        if weight_text != weights[i]:
            target = f"new_{weights[i]}"
            update_lines.append(f"{target} = {weight_text}  # {label}: its new value")
            checks.append(target)
            rebind.append(f"{weights[i]} = {target}")
    loss_sym = value_of(loss)
    forward_checks = [c for c in gen.checked if c not in gen.covered]
    if loss_sym.const is None and loss_sym.text not in forward_checks:
        forward_checks.append(loss_sym.text)
    all_checks = forward_checks + checks
    aux_texts = [value_of(x).text for x in aux]
    stopped = "epoch, (" + _tuple(weights) + "), (" + _tuple(states) + "), None, None"
    finished = ("(" + _tuple(weights) + "), (" + _tuple(states) + "), ("
                + _tuple(gradient_texts) + "), (" + _tuple(aux_texts) + ")")
    loop = [
        "# forward: one line per op node, in the order the graph was made",
        *forward_lines,
        "# reverse: g_n is d(loss)/dn, summed over the uses of n (chain rule)",
        *reverse_lines,
        "# the update: the optimiser's rule, for each parameter",
        *update_lines,
        "# an inf or nan (an input, + − × ÷ ^, the loss, a new weight): stop before this step",
        *_sum_lines(all_checks),
        "if finite - finite != 0.0:",
        f"    return {stopped}",
        *rebind,
        f"append({loss_sym.text} + 0.0)" if loss_sym.const is None
        else f"append({_plus_zero(loss_sym)})",
        "if stop.requested:",
        f"    return epoch + 1, {finished}",
    ]
    unpack = [f"{w} = weights[{i}]" for i, w in enumerate(weights)]
    unpack += [f"{s} = states[{i}]" for i, s in enumerate(states)]
    return "\n".join([
        "def train(epochs, stop, losses, weights, states):",
        *(f"    {line}" for line in unpack),
        "    append = losses.append",
        "    epoch = 0",
        "    try:",
        "        for epoch in range(epochs):",
        *(f"            {line}" for line in loop),
        "    except (ArithmeticError, ValueError):",
        f"        return {stopped}  # the eager engine raises its own error",
        "    except KeyboardInterrupt:  # hand back the weights of the last epoch completed",
        f"        weights[:] = {_tuple(weights)}",
        f"        states[:] = {_tuple(states)}",
        "        raise",
        f"    return epochs, {finished}",
        "",
    ])


def _sum_lines(names: list[str]) -> list[str]:
    if not names:
        return ["finite = 0.0"]
    chunks = [names[i:i + _CHECKS_PER_LINE] for i in range(0, len(names), _CHECKS_PER_LINE)]
    return [f"finite = {' + '.join(chunks[0])}",
            *(f"finite = finite + {' + '.join(chunk)}" for chunk in chunks[1:])]


def _tuple(texts: list[str]) -> str:
    return f"{texts[0]}," if len(texts) == 1 else ", ".join(texts)  # "" for none
