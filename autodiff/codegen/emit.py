"""Writes the straight-line Python of a compiled gradient from a traced graph.

Forward: one assignment per op node, written in the forward walk of forward mode
(:func:`autodiff.transforms.forward.forward_walk`), from the op table's forward
(Python operators run on code-generation symbols; other forwards are called by name, so
their domain checks stay in the op table). Reverse: one assignment per gradient, from
the op table's rules run on symbols, contributions summed in the eager engine's order.
"""

from __future__ import annotations

import operator
from typing import Any

from ..core.backward import as_raised, every_op, reverse_sweep
from ..core.errors import DomainError, GradientOverflowError
from ..core.graph import checked_partial, creation_order
from ..core.ops import FLOAT_MATH, OPERAND_NAMES, UNARY, Op, can_be_infinite
from ..core.value import Value
from ..transforms.forward import forward_walk
from .calls import primitive_calls
from .symbols import SYMBOL_MATH, Sym, constant, inline, is_integral, name
from .symbols import contribution as local_contribution

# Forward functions that are Python operators run on symbols (and print inline).
OPERATOR_FORWARDS = (operator.add, operator.sub, operator.mul, operator.truediv,
                     operator.pow, operator.neg, operator.abs)
_TERMS_PER_LINE = 8  # a gradient summed over more uses is written over several lines
_CHECKS_PER_LINE = 16
_TESTS_PER_LINE = 3


def forward_expression(op: Op, args: list[Sym]) -> Sym:
    """The expression for ``op.forward(*args)``: the op table's own forward, run on the
    symbols when it is a Python operator, written inline when the table gives it as one
    expression (σ), else called by name. Two checked forwards are
    written as their operator when that can only fail by raising (and a failure is then
    replayed on the engine for its error): division, whose check is b ≠ 0, and a power
    with a constant whole exponent, which cannot leave the reals."""
    if op.forward in OPERATOR_FORWARDS:
        return op.forward(*args)
    expression = getattr(op.forward, "expression", None)
    if expression is not None:  # written as one expression in the op table: inline
        return inline(expression, dict(zip(OPERAND_NAMES, args, strict=False)))
    if op.name == "div":
        return args[0] / args[1]
    if op.name == "pow" and is_integral(args[1]):
        return args[0] ** args[1]
    return Sym(f"{forward_name(op)}({', '.join(a.text for a in args)})")


def forward_name(op: Op) -> str:
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
        # The nodes the output depends on, and the local derivatives evaluated at a zero
        # gradient by the edge-point rule (names of the lines that hold them).
        self.graph = {id(n) for n in creation_order(output)} if isinstance(output, Value) \
            else set()
        self.edge_checks: list[str] = []
        # The nodes that depend on an input, folded or not; and whether a folded one has an
        # infinite local derivative (then every call raises, through the engine's replay).
        self.depends = {id(v) for v in inputs}
        for node in order:
            if any(type(v) is not float and id(v) in self.depends for v in node.operands):
                self.depends.add(id(node))
        self.always_raises = False
        # Names checked for inf and nan at run time (the inputs, and the results of binary
        # ops, which the engine refuses when not finite for finite operands), and those of
        # them whose check a later result takes care of.
        self.checked: dict[str, None] = {f"x{i}": None for i in range(len(inputs))}
        self.covered: set[str] = set()
        # The user primitives (autodiff.primitive) of the graph, called by name.
        self.calls = primitive_calls(node._op for node in order)

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
        """The forward lines: one walk over the graph (the forward sweep's,
        :func:`forward_walk`), in which each op node writes its line."""
        for node in self.order:
            if node._op is None:  # a leaf that is not an input is a constant
                self.sym.setdefault(id(node), constant(node.data))
        forward_walk(self.order, self.sym, self.write)

    def write(self, node: Value, inputs: Any) -> Sym:
        """The step of ``node``: its line (unless it folds to a constant or a name), and its
        symbol, which the walk holds for it."""
        op = node._op
        args = self.operand_syms(node)
        if all(a.const is not None for a in args):
            value = constant(node.data)  # a constant subexpression: evaluated already
        else:
            value = self.forward_expression(op, args)
        if not value.is_atom:
            target = self.new_name()
            self.own_name[id(node)] = target
            written_out = getattr(op.forward, "expression", None) is not None
            value = self.emit(target, value, op.name if written_out else
                              f"{op.name}: {op.formula}")
            if op.kind != UNARY or op.name in self.calls:  # a user's forward may be inf
                self.checked[target] = None
                # inf or nan in an operand of + − × (or a numerator) carries into
                # this result, which is checked: the operand needs no check of its own.
                carried = args if op.name in ("add", "sub", "mul") else (
                    args[:1] if op.name == "div" else [])
                self.covered.update(a.text for a in carried if a.const is None)
        elif op.kind != UNARY:  # folded (x + 0, x · 1, x · 0): the engine checks x + 0
            self.checked.update((a.text, None) for a in args if a.const is None)
        return value

    def forward_expression(self, op: Op, args: list[Sym]) -> Sym:
        """:func:`forward_expression`, or the call of a user primitive's forward by name."""
        call = self.calls.get(op.name)
        if call is None:
            return forward_expression(op, args)
        return Sym(f"{call.forward}({', '.join(a.text for a in args)})")

    def local_partial(self, op: Op, i: int, args: list[Sym], out: Sym) -> Sym:
        """∂out/∂operand i: the op table's rule run on symbols, or, for a user primitive,
        its rule called by name on the operands and ``out``."""
        call = self.calls.get(op.name)
        if call is None:
            return op.partials[i](SYMBOL_MATH, *args, out)
        return Sym(f"{call.partials[i]}({', '.join(a.text for a in [*args, out])})")

    def local_contribution(self, op: Op, i: int, grad: Sym, args: list[Sym], out: Sym
                           ) -> Sym:
        """``grad × ∂out/∂operand i`` (:func:`local_contribution` for the built-ins)."""
        if op.name not in self.calls:
            return local_contribution(op, i, grad, args, out)
        return grad * self.local_partial(op, i, args, out)

    # --- reverse -----------------------------------------------------------------------
    def live(self, x: Any) -> bool:
        """Does x vary with the inputs? (Nodes that folded to a constant do not.)"""
        return isinstance(x, Value) and self.sym[id(x)].const is None

    def gradient_name(self, node: Value) -> str:
        if id(node) not in self.own_name:  # a node that folded into another one's name
            self.own_name[id(node)] = self.new_name()
        return f"g_{self.own_name[id(node)]}"

    def reverse(self) -> dict[int, Sym]:
        """Gradient symbols of the inputs: one reverse sweep (the engine's, so contributions
        are summed in its order), in which each node writes its gradient's line."""
        self.grads: dict[int, Sym] = {}
        self.sources: dict[int, list[str]] = {}
        if self.live(self.output):
            self.grads[id(self.output)] = constant(1.0)
            self.sources[id(self.output)] = ["the output"]
        nodes = [node for node in reversed(self.order) if node._op is not None]
        reverse_sweep(nodes, every_op(self.send), self.grads, self.idle,
                      as_raised)
        grads = {}
        for i, v in enumerate(self.inputs):
            if id(v) in self.grads:
                grad, sources = self.grads.pop(id(v)), self.sources.pop(id(v))
                grads[id(v)] = self.emit(f"g_x{i}", grad, "from " + "; ".join(sources))
        return grads

    def idle(self, node: Value, grad: Any) -> None:
        """A node with no gradient: it writes nothing, but the edge-point rule applies."""
        if id(node) in self.graph:
            self.check_edges(node, node._op)

    def send(self, node: Value, grad: Sym) -> None:
        """The step of ``node``: its gradient's line (when it is not a name already), then
        a contribution to each live parent."""
        op = node._op
        del self.grads[id(node)]
        sources = self.sources.pop(id(node))
        if id(node) in self.graph:  # a gradient that folded to 0, or folded operands
            self.check_edges(node, op, folded_only=not grad.is_const(0.0))
        if not grad.is_atom and id(node) in self.own_name:
            grad = self.emit(self.gradient_name(node), grad, "from " + "; ".join(sources))
        contributions = self.contributions(node, op, grad, sources)
        if not grad.is_atom and any(c is not grad for _, c, _ in contributions):
            grad = self.emit(self.gradient_name(node), grad, "from " + "; ".join(sources))
            contributions = self.contributions(node, op, grad, sources)
        for parent, contribution, source in contributions:
            self.accumulate(parent, contribution, source)

    def check_edges(self, node: Value, op: Op, folded_only: bool = False) -> None:
        """The edge-point rule: the local derivatives of an op that can be infinite are
        evaluated even where no gradient is written (an inf, or a division by 0, is replayed
        on the engine, which raises), as every mode of the engine does. At a zero gradient,
        every edge from an input is; with ``folded_only``, the edges to operands that
        folded to a constant although they depend on an input (x · 0)."""
        if not can_be_infinite(op) or id(node) not in self.depends:
            return
        args = self.operand_syms(node) if self.live(node) else None
        for i, parent in enumerate(node.operands):
            if type(parent) is float or id(parent) not in self.depends or (
                    folded_only and self.live(parent)):
                continue
            if args is None:  # folded: its numbers are the same at every call
                try:
                    checked_partial(node, i)
                except (DomainError, GradientOverflowError):
                    self.always_raises = True
                continue
            local = self.local_partial(op, i, args, self.sym[id(node)])
            if local.const is None:
                target = f"edge{len(self.edge_checks)}"
                where = "to a folded operand" if folded_only else "at a zero gradient"
                self.emit(target, local, f"{op.name} {where}: ∂/∂"
                          f"{OPERAND_NAMES[i]} = {op.derivative_formulas[i]} (must be finite)")
                self.edge_checks.append(target)
            elif local.const - local.const != 0.0:
                self.always_raises = True

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
            contribution = self.local_contribution(op, i, grad, args, out)
            if contribution.is_const(0.0):
                continue
            rule = f"∂/∂{OPERAND_NAMES[i]} = {op.derivative_formulas[i]}"
            found.append((parent, contribution, "; ".join(sources) if child is None else
                          f"{child} {op.name}: {rule}"))
        return found

    def accumulate(self, parent: Value, contribution: Sym, source: str) -> None:
        key = id(parent)
        if key not in self.grads:
            self.grads[key] = contribution
            self.sources[key] = [source]
            return
        total, sources = self.grads[key], self.sources[key]
        if len(sources) >= _TERMS_PER_LINE:  # write the partial sum out, keep adding to it
            total = self.emit(self.gradient_name(parent), total, "from " + "; ".join(sources))
            sources = ["its uses above"]
        self.grads[key] = total + contribution
        self.sources[key] = [*sources, source]


def generate_source(inputs: list[Value], output: Any, aux: list[Any] | None,
                    order: list[Value]) -> str:
    """The source of ``compiled_grad(x0, ...)``: ``order`` lists every node that
    ``output`` and the ``aux`` outputs depend on, parents first."""
    gen = _Generator(inputs, output, order)
    gen.forward()

    def value_of(x: Any) -> Sym:
        return gen.sym[id(x)] if isinstance(x, Value) else constant(x)

    value = value_of(output)
    forward_lines = gen.lines
    gen.lines = []
    grads = gen.reverse()
    params = ", ".join(f"x{i}" for i in range(len(inputs)))
    # A gradient starts at +0.0, as in the eager engine: "+ 0.0" turns a -0.0 sum into 0.0.
    grad_tuple = ", ".join(_plus_zero(grads[id(v)]) if id(v) in grads else "0.0"
                           for v in inputs)
    if len(inputs) == 1:
        grad_tuple += ","
    results = f"{value.text}, ({grad_tuple})"
    if aux is not None:
        results += f", ({''.join(value_of(x).text + ', ' for x in aux).rstrip()})"
    gradient_texts = [grads[id(v)].text for v in inputs if id(v) in grads]
    body = [
        "# forward: one line per op node, in the order f made them",
        *forward_lines,
        *_finite_check([n for n in gen.checked if n not in gen.covered], params),
        "# reverse: g_n is d(output)/dn, summed over the uses of n (chain rule)",
        *gen.lines,
        *([f"return replay_on_engine({params})  # an infinite local derivative: the "
            "engine's error"] if gen.always_raises else []),
        *_gradient_check(gradient_texts + gen.edge_checks, params),
        f"return {results}",
    ]
    return "\n".join([
        f"def compiled_grad({params}):",
        *_argument_check(len(inputs)),
        "    try:",
        *(f"        {line}" for line in body),
        "    except (ArithmeticError, ValueError):",
        f"        return replay_on_engine({params})  # the eager engine's error (or result)",
        "",
    ])


def _plus_zero(grad: Sym) -> str:
    if grad.const is not None:
        return constant(grad.const + 0.0).text
    return f"{grad.text} + 0.0"


def _argument_check(nargs: int) -> list[str]:
    """Lines that let floats through and hand anything else to ``real_arguments``, which
    turns ints and other reals into floats and refuses the rest (bool, str, None, complex)
    with a TypeError naming the argument, as the eager engine does."""
    if not nargs:
        return []
    tests = [f"type(x{i}) is not float" for i in range(nargs)]
    chunks = [" or ".join(tests[i:i + _TESTS_PER_LINE])
              for i in range(0, nargs, _TESTS_PER_LINE)]
    condition = "\n            or ".join(chunks)
    names = ", ".join(f"x{i}" for i in range(nargs))
    return [f"    if {condition}:" if len(chunks) == 1 else f"    if ({condition}):",
            f"        {names}{',' if nargs == 1 else ''} = real_arguments({names})"
            "  # ints become floats; bool, str, None, complex are refused"]


def _gradient_check(texts: list[str], params: str) -> list[str]:
    """Lines that hand the call to the eager engine if a gradient is inf or nan: from
    finite values that is an overflow, which the engine reports as an error."""
    if not texts:
        return []
    return ["# an inf or nan gradient: the eager engine reports the overflow",
            f"finite = {' + '.join(texts)}",
            "if finite - finite != 0.0:",
            f"    return replay_on_engine({params})  # the eager engine's error or result"]


def _finite_check(names: list[str], params: str) -> list[str]:
    """Lines that hand the call to the eager engine if an input or a binary op's result is
    inf or nan; one sum checks them all at once.

    With every value finite the folds (x · 0 = 0, x · 1 = x, x + 0 = x) are exact; with an
    inf or nan they are not (inf · 0 is nan), and the engine either raises (an overflow
    from finite operands) or follows IEEE arithmetic: its results are returned instead.
    """
    if not names:
        return []
    chunks = [names[i:i + _CHECKS_PER_LINE] for i in range(0, len(names), _CHECKS_PER_LINE)]
    lines = ["# an inf or nan (in the inputs, or from + − × ÷ ^): the eager engine decides",
             f"finite = {' + '.join(chunks[0])}"]
    lines += [f"finite = finite + {' + '.join(chunk)}" for chunk in chunks[1:]]
    lines += ["if finite - finite != 0.0:",
              f"    return replay_on_engine({params})  # the eager engine's error or result"]
    return lines
