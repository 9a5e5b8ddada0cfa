"""`compile_grad`: trace a function once and compile straight-line Python for its gradient.

The trace runs ``f`` on Values. Each op node then becomes one line of generated code:
its forward value, and in reverse order its gradient, taken from the op table's rules run
on code-generation symbols (:mod:`autodiff.symbols`), never from a second copy of them.

It is a trace, as in JAX: Python control flow in ``f`` runs once, at the example point,
and the compiled code repeats the branch that was taken then, whatever its inputs.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from . import tape as _tape
from .backward import gradients, topological_order
from .ops import FLOAT_MATH, UNARY, Op
from .symbols import SYMBOL_MATH, Sym, constant, is_integral, name
from .tape import enable_grad, no_grad
from .value import _DUNDER, Value

# Forward functions that are Python operators run on symbols (and print inline); every
# other op's forward is called by name, so its domain checks stay in the op table.
_OPERATOR_FORWARDS = (operator.add, operator.sub, operator.mul, operator.truediv,
                      operator.pow, operator.neg, operator.abs)
_TERMS_PER_LINE = 8  # a gradient summed over more uses is written over several lines
_CHECKS_PER_LINE = 16
_FILENAME = "<autodiff.compile_grad>"


class CompiledGrad(Protocol):
    """``g(*floats) -> (value, grads)``; ``g.source`` is the generated Python."""

    source: str
    nargs: int

    def __call__(self, *args: float) -> tuple[float, tuple[float, ...]]: ...


def compile_grad(f: Callable[..., Any], nargs: int,
                 example: Sequence[float] | None = None) -> CompiledGrad:
    """Trace ``f(x0, ..., x{nargs-1})`` once and compile its value and gradient.

    Returns ``g`` with ``g(*floats) == (f(*floats), (df/dx0, ..., df/dx{nargs-1}))``,
    equal to the eager engine (``autodiff.value_and_grad``), as straight-line Python
    generated from the op table; ``g.source`` shows it.

    ``f`` is traced at ``example`` (default 0.5, 0.625, 0.75, ...): choose a point inside
    its domain. Like a JAX trace, the compiled code is specialised to that trace:
    Python control flow that depends on the inputs' values is fixed to the branch taken
    at the example. Comparing a traced Value or taking its truth value raises TypeError;
    reading ``.data`` or ``float(x)``, or ``==`` (identity for Values), cannot be seen and
    silently specialises. Values ``f`` uses that do not depend on its arguments (and
    graphs built under ``no_grad``) are constants of the compiled code.

    Calling ``g`` outside an op's domain raises the same error as the eager engine,
    naming the op, the operand and the node's label.
    """
    if not callable(f):
        raise TypeError(f"compile_grad needs a callable f, got {type(f).__name__}")
    if isinstance(nargs, bool) or not isinstance(nargs, int) or nargs < 0:
        raise TypeError(f"nargs must be a non-negative int, got {nargs!r}")
    point = _example_point(nargs, example)
    inputs, output, recorded = _trace(f, point)
    source, graph = _generate(inputs, output, _creation_order(output, recorded))
    namespace = _namespace(graph, inputs, output)
    exec(compile(source, _FILENAME, "exec"), namespace)
    g = namespace["compiled_grad"]
    g.source = source
    g.nargs = nargs
    return g


def _example_point(nargs: int, example: Sequence[float] | None) -> list[float]:
    if example is None:
        return [0.5 + 0.125 * i for i in range(nargs)]
    point = list(example)
    if len(point) != nargs:
        raise ValueError(f"example has {len(point)} values but nargs is {nargs}")
    for i, x in enumerate(point):
        if isinstance(x, (bool, Value)) or not isinstance(x, numbers.Real):
            raise TypeError(f"example[{i}] must be a real number, got {type(x).__name__}")
    return [float(x) for x in point]


def _is_control_flow_error(exc: TypeError) -> bool:
    """The TypeError of ``x < y`` or ``bool(x)`` on a Value (Values have no order)."""
    message = str(exc)
    return ("not supported between instances of" in message and "'Value'" in message) or (
        "truth value of a Value" in message)


def _trace(f: Callable[..., Any], point: list[float]) -> tuple[list[Value], Any, list[Value]]:
    """Run ``f`` once on fresh input Values labelled x0, x1, ... on a private tape;
    return the inputs, the output and the op nodes recorded, in creation order."""
    with no_grad(), enable_grad():
        inputs = [Value(x, f"x{i}") for i, x in enumerate(point)]
        tape = _tape.current()
        try:
            output = f(*inputs)
            recorded = list(tape.nodes)
        except TypeError as exc:
            if _is_control_flow_error(exc):
                raise TypeError(
                    "compile_grad: f compared a traced Value or took its truth value "
                    f"({exc}). compile_grad runs f once with Values standing in for its "
                    "arguments and compiles that single trace, so Python control flow "
                    "that depends on their values (if/while on a Value, <, >, min, max) "
                    "cannot be compiled. Write it without branching (e.g. x.relu(), "
                    "x.abs()), or branch on x.data to fix the branch at the example point "
                    "on purpose.") from exc
            raise
    if not isinstance(output, Value) and (
            isinstance(output, bool) or not isinstance(output, numbers.Real)):
        raise TypeError(f"compile_grad: f must return a Value or a number, "
                        f"got {type(output).__name__}")
    return inputs, output, recorded


def _creation_order(output: Any, recorded: list[Value]) -> list[Value]:
    """Every node ``output`` depends on, parents first, nodes of the trace in the order
    ``f`` made them (the order the eager ``backward()`` walks, so sums round alike)."""
    if not isinstance(output, Value):
        return []
    reachable = topological_order(output)
    wanted = {id(v) for v in reachable}
    traced = [v for v in recorded if id(v) in wanted]
    seen = {id(v) for v in traced}
    # Leaves and nodes made before the trace cannot depend on the trace's nodes.
    return [v for v in reachable if id(v) not in seen] + traced


def _forward_expression(op: Op, args: list[Sym]) -> Sym:
    """The expression for ``op.forward(*args)``: the op table's own forward, run on the
    symbols when it is a Python operator, else called by name. Two checked forwards are
    written as their operator when that can only fail by raising (and a failure is then
    replayed on the engine for its error): division, whose check is b ≠ 0, and a power
    with a constant whole exponent, which cannot leave the reals."""
    if op.forward in _OPERATOR_FORWARDS:
        return op.forward(*args)
    if op.name == "div":
        return args[0] / args[1]
    if op.name == "pow" and is_integral(args[1]):
        return args[0] ** args[1]
    return Sym(f"{_forward_name(op)}({', '.join(a.text for a in args)})")


def _forward_name(op: Op) -> str:
    """The name under which generated code calls ``op.forward``."""
    if getattr(FLOAT_MATH, op.name, op.forward) is op.forward:
        return op.name
    return f"{op.name}_forward"


class _Generator:
    """Writes the lines: forward in topological order, then gradients in reverse."""

    def __init__(self, inputs: list[Value], output: Any, order: list[Value]) -> None:
        self.inputs = inputs
        self.output = output
        self.order = order
        self.sym: dict[int, Sym] = {id(v): name(f"x{i}") for i, v in enumerate(inputs)}
        self.own_name: dict[int, str] = {id(v): f"x{i}" for i, v in enumerate(inputs)}
        self.lines: list[str] = []
        self.count = 0
        # Names whose value the engine's binary ops would refuse if not finite.
        self.checked: dict[str, None] = {}

    def new_name(self) -> str:
        self.count += 1
        return f"t{self.count - 1}"

    def emit(self, target: str, expression: Sym, comment: str) -> Sym:
        self.lines.append(f"{target} = {expression.text}  # {' '.join(comment.split())}")
        return name(target)

    def operand_syms(self, node: Value) -> list[Sym]:
        return [self.sym[id(v)] if isinstance(v, Value) else constant(v)
                for v in node.operands]

    # --- forward ---------------------------------------------------------------------
    def forward(self) -> None:
        for node in self.order:
            op = node._op
            if op is None:
                self.sym.setdefault(id(node), constant(node.data))  # a leaf that is not an input
                continue
            args = self.operand_syms(node)
            if all(a.const is not None for a in args):
                value = constant(node.data)  # a constant subexpression: evaluated already
            else:
                value = _forward_expression(op, args)
            if not value.is_atom:
                target = self.new_name()
                self.own_name[id(node)] = target
                value = self.emit(target, value, f"{op.name}: {op.formula}")
                if op.kind != UNARY:
                    self.checked[target] = None
            elif op.kind != UNARY:  # folded (x + 0, x · 1, x · 0): the engine checks x + 0
                self.checked.update((a.text, None) for a in args if a.const is None)
            self.sym[id(node)] = value

    # --- reverse -----------------------------------------------------------------------
    def live(self, x: Any) -> bool:
        """Does x vary with the inputs? (Nodes that folded to a constant do not.)"""
        return isinstance(x, Value) and self.sym[id(x)].const is None

    def gradient_name(self, node: Value) -> str:
        if id(node) not in self.own_name:  # a node that folded into another one's name
            self.own_name[id(node)] = self.new_name()
        return f"g_{self.own_name[id(node)]}"

    def reverse(self) -> dict[int, Sym]:
        """Gradient symbols of the inputs; sums contributions in the eager engine's order."""
        pending: dict[int, tuple[Sym, list[str]]] = {}
        if self.live(self.output):
            pending[id(self.output)] = (constant(1.0), ["the output"])
        for node in reversed(self.order):
            op = node._op
            if op is None or id(node) not in pending:
                continue
            grad, sources = pending.pop(id(node))
            if not grad.is_atom and id(node) in self.own_name:
                grad = self.emit(self.gradient_name(node), grad, "from " + "; ".join(sources))
            contributions = self.contributions(node, op, grad, sources)
            if not grad.is_atom and any(c is not grad for _, c, _ in contributions):
                grad = self.emit(self.gradient_name(node), grad, "from " + "; ".join(sources))
                contributions = self.contributions(node, op, grad, sources)
            for parent, contribution, source in contributions:
                self.accumulate(pending, parent, contribution, source)
        grads = {}
        for i, v in enumerate(self.inputs):
            if id(v) in pending:
                grad, sources = pending.pop(id(v))
                grads[id(v)] = self.emit(f"g_x{i}", grad, "from " + "; ".join(sources))
        return grads

    def contributions(self, node: Value, op: Op, grad: Sym, sources: list[str]
                      ) -> list[tuple[Value, Sym, str]]:
        """``(parent, grad · ∂node/∂parent, description)`` for each live parent; 0s vanish.
        A node that folded into its operand (x + 0, 1 · x) passes its gradient through."""
        args = self.operand_syms(node)
        out = self.sym[id(node)]
        child = self.own_name.get(id(node))
        found = []
        for i, parent in enumerate(node.operands):
            if not self.live(parent):
                continue
            contribution = grad * op.partials[i](SYMBOL_MATH, *args, out)
            if contribution.is_const(0.0):
                continue
            wrt = "" if op.kind == UNARY else f" ∂/∂{'ab'[i]}"
            found.append((parent, contribution, "; ".join(sources) if child is None else
                          f"{child} {op.name}{wrt} = {op.derivative_formulas[i]}"))
        return found

    def accumulate(self, pending: dict[int, tuple[Sym, list[str]]], parent: Value,
                   contribution: Sym, source: str) -> None:
        if id(parent) not in pending:
            pending[id(parent)] = (contribution, [source])
            return
        total, sources = pending[id(parent)]
        if len(sources) >= _TERMS_PER_LINE:  # write the partial sum out, keep adding to it
            total = self.emit(self.gradient_name(parent), total, "from " + "; ".join(sources))
            sources = ["its uses above"]
        pending[id(parent)] = (total + contribution, [*sources, source])


def _generate(inputs: list[Value], output: Any, order: list[Value]) -> tuple[str, list[Value]]:
    """The source of ``compiled_grad`` and the traced nodes (kept to replay errors)."""
    gen = _Generator(inputs, output, order)
    gen.forward()
    value = gen.sym[id(output)] if isinstance(output, Value) else constant(output)
    forward_lines = gen.lines
    gen.lines = []
    grads = gen.reverse()
    params = ", ".join(f"x{i}" for i in range(len(inputs)))
    grad_tuple = ", ".join(grads[id(v)].text if id(v) in grads else "0.0" for v in inputs)
    if len(inputs) == 1:
        grad_tuple += ","
    body = [
        "# forward: one line per op node, in the order f made them",
        *forward_lines,
        *_finite_check(list(gen.checked), params),
        "# reverse: g_n is d(output)/dn, summed over the uses of n (chain rule)",
        *gen.lines,
        f"return {value.text}, ({grad_tuple})",
    ]
    source = "\n".join([
        f"def compiled_grad({params}):",
        "    try:",
        *(f"        {line}" for line in body),
        "    except (ArithmeticError, ValueError):",
        f"        replay_on_engine({params})  # raises the eager engine's error",
        "        raise",
        "",
    ])
    return source, gen.order


def _finite_check(names: list[str], params: str) -> list[str]:
    """Lines that replay the trace on the engine if a binary op's result is inf or nan
    (the engine raises OverflowError there); one sum checks them all at once."""
    if not names:
        return []
    chunks = [names[i:i + _CHECKS_PER_LINE] for i in range(0, len(names), _CHECKS_PER_LINE)]
    lines = ["# the engine refuses an inf or nan from + − × ÷ ^: check them all at once",
             f"finite = {' + '.join(chunks[0])}"]
    lines += [f"finite = finite + {' + '.join(chunk)}" for chunk in chunks[1:]]
    lines += ["if finite - finite != 0.0:",
              f"    replay_on_engine({params})  # raises the eager engine's error, if any"]
    return lines


def _apply(op: Op, operands: list[Any]) -> Value:
    """``op`` on Values (and numbers) through the engine, with all of its checks."""
    if op.kind == UNARY:
        return -operands[0] if op.name == "neg" else getattr(operands[0], op.name)()
    return getattr(operator, _DUNDER[op.name])(*operands)


def _replay(order: list[Value], inputs: list[Value], output: Any, args: tuple[float, ...]
            ) -> None:
    """Re-run the trace on the eager engine so a failure raises the engine's own error."""
    with no_grad(), enable_grad():
        new: dict[int, Value] = {id(v): Value(x, v.label) for v, x in zip(inputs, args,
                                                                          strict=True)}
        for node in order:
            if node._op is None or not any(isinstance(v, Value) and id(v) in new
                                           for v in node.operands):
                continue
            result = _apply(node._op, [new.get(id(v), v) if isinstance(v, Value) else v
                                       for v in node.operands])
            result.label = node.label
            new[id(node)] = result
        if isinstance(output, Value) and id(output) in new:
            gradients(new[id(output)], [new[id(v)] for v in inputs])


def _namespace(order: list[Value], inputs: list[Value], output: Any) -> dict[str, Any]:
    """What the generated code may see: the op table's functions and nothing else."""
    def replay_on_engine(*args: float) -> None:
        try:
            _replay(order, inputs, output, args)
        except (ArithmeticError, ValueError) as exc:
            raise exc.with_traceback(None) from None

    namespace: dict[str, Any] = {
        "__builtins__": {}, "ArithmeticError": ArithmeticError, "ValueError": ValueError,
        "abs": abs, "inf": math.inf, "nan": math.nan, "replay_on_engine": replay_on_engine}
    namespace.update(vars(FLOAT_MATH))
    for node in order:
        if node._op is not None and node._op.forward not in _OPERATOR_FORWARDS:
            namespace[_forward_name(node._op)] = node._op.forward
    return namespace
