"""The eager engine's per-op code: each op's Value methods and its backward steps.

GENERATED from the op table (autodiff/core/ops.py) by tools/engine_source.py: do not edit.
After changing the table, run `make generate`; tests/test_engine_source.py fails while this
file and the table disagree.

Each method computes its op's forward on floats and makes one node, put on this context's
tape (autodiff/core/tape.py); each ``<op>_backward(node, g)`` is the chain rule for one
node: every operand's ``.grad`` gets ``g`` (the node's own gradient) times the table's
local derivative. The backward pass (autodiff/core/backward.py) finds a node's step in
``STEPS`` at the end of this file (``OP_mul`` → ``mul_backward``). ``Value`` is the
subclass of ``ValueOperators`` that autodiff/core/value.py defines (this file cannot import
it: value.py imports this file).
"""

from __future__ import annotations

from typing import Any

from .checks import is_real, number_operand, unsupported
from .errors import check_contribution as check
from .errors import op_error
from .ops import CONST_LEFT_OPS, CONST_RIGHT_OPS, FLOAT_MATH, OPS
from .tape import creation_counter, join, record_rarely
from .tape import current as start_tape
from .tape import current_or_none as tape_now

Value: Any = None  # the Value class, set when autodiff/core/value.py defines it
new = object.__new__
NOT_FINITE = OverflowError("the float result is not finite")  # + − × ÷ overflowed silently

# The op table's rows, by variant.
OP_add = OPS['add']
OP_sub = OPS['sub']
OP_mul = OPS['mul']
OP_div = OPS['div']
OP_pow = OPS['pow']
OP_neg = OPS['neg']
OP_exp = OPS['exp']
OP_log = OPS['log']
OP_sqrt = OPS['sqrt']
OP_tanh = OPS['tanh']
OP_sigmoid = OPS['sigmoid']
OP_relu = OPS['relu']
OP_sin = OPS['sin']
OP_cos = OPS['cos']
OP_abs = OPS['abs']
OP_add_const_right = CONST_RIGHT_OPS['add']
OP_sub_const_right = CONST_RIGHT_OPS['sub']
OP_mul_const_right = CONST_RIGHT_OPS['mul']
OP_div_const_right = CONST_RIGHT_OPS['div']
OP_pow_const_right = CONST_RIGHT_OPS['pow']
OP_add_const_left = CONST_LEFT_OPS['add']
OP_sub_const_left = CONST_LEFT_OPS['sub']
OP_mul_const_left = CONST_LEFT_OPS['mul']
OP_div_const_left = CONST_LEFT_OPS['div']
OP_pow_const_left = CONST_LEFT_OPS['pow']

# Forwards that check their domain (the others are written inline).
div_forward = OPS['div'].forward
pow_forward = OPS['pow'].forward
exp_forward = OPS['exp'].forward
log_forward = OPS['log'].forward
sqrt_forward = OPS['sqrt'].forward
tanh_forward = OPS['tanh'].forward
sigmoid_forward = OPS['sigmoid'].forward
relu_forward = OPS['relu'].forward
sin_forward = OPS['sin'].forward
cos_forward = OPS['cos'].forward

# The math namespace the derivative rules use, on floats.
exp = FLOAT_MATH.exp
log = FLOAT_MATH.log
sin = FLOAT_MATH.sin
cos = FLOAT_MATH.cos
step = FLOAT_MATH.step
sign = FLOAT_MATH.sign
scaled_pow = FLOAT_MATH.scaled_pow
log_scaled = FLOAT_MATH.log_scaled


class ValueOperators:
    """The operators and math methods of Value, one for each op of the table."""

    __slots__ = ()

    def __init_subclass__(cls, **kwargs):
        """Value (autodiff/core/value.py), the first subclass, is what ops make."""
        super().__init_subclass__(**kwargs)
        global Value
        if Value is None:
            Value = cls

    def __add__(self, other):
        """add: self + other, out = u + v; ∂out/∂u = 1, ∂out/∂v = 1."""
        u = self.data
        if type(other) is Value:
            op = OP_add
            v = other.data
        elif type(other) is float or is_real(other):
            op = OP_add_const_right
            if type(other) is not float:
                other = number_operand(other, op, self)
            v = other
        else:
            return unsupported('add', self, other, False)
        data = u + v
        if data - data != 0.0 and u - u == 0.0 and v - v == 0.0:
            raise op_error(op, (self, other), NOT_FINITE)
        out = new(Value)
        out.data = data
        out.grad = 0.0
        out._op = op
        out._a = self
        out._b = other
        out._index = next(creation_counter)
        out._tape = tape = tape_now() or start_tape()
        if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full
            record_rarely(out, tape, self, other)
            return out
        if self._tape is not tape:  # a leaf's first use on this tape, or a node from elsewhere
            join(tape, self)
        if op is OP_add and other._tape is not tape:
            join(tape, other)
        tape.nodes.append(out)
        return out

    def __radd__(self, other):
        """add: number + self, out = u + v; ∂out/∂u = 1, ∂out/∂v = 1."""
        v = self.data
        if type(other) is Value:
            op = OP_add
            u = other.data
        elif type(other) is float or is_real(other):
            op = OP_add_const_left
            if type(other) is not float:
                other = number_operand(other, op, self)
            u = other
        else:
            return unsupported('add', self, other, True)
        data = u + v
        if data - data != 0.0 and u - u == 0.0 and v - v == 0.0:
            raise op_error(op, (other, self), NOT_FINITE)
        out = new(Value)
        out.data = data
        out.grad = 0.0
        out._op = op
        out._a = other
        out._b = self
        out._index = next(creation_counter)
        out._tape = tape = tape_now() or start_tape()
        if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full
            record_rarely(out, tape, other, self)
            return out
        if self._tape is not tape:  # a leaf's first use on this tape, or a node from elsewhere
            join(tape, self)
        if op is OP_add and other._tape is not tape:
            join(tape, other)
        tape.nodes.append(out)
        return out

    def __sub__(self, other):
        """sub: self − other, out = u − v; ∂out/∂u = 1, ∂out/∂v = −1."""
        u = self.data
        if type(other) is Value:
            op = OP_sub
            v = other.data
        elif type(other) is float or is_real(other):
            op = OP_sub_const_right
            if type(other) is not float:
                other = number_operand(other, op, self)
            v = other
        else:
            return unsupported('sub', self, other, False)
        data = u - v
        if data - data != 0.0 and u - u == 0.0 and v - v == 0.0:
            raise op_error(op, (self, other), NOT_FINITE)
        out = new(Value)
        out.data = data
        out.grad = 0.0
        out._op = op
        out._a = self
        out._b = other
        out._index = next(creation_counter)
        out._tape = tape = tape_now() or start_tape()
        if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full
            record_rarely(out, tape, self, other)
            return out
        if self._tape is not tape:  # a leaf's first use on this tape, or a node from elsewhere
            join(tape, self)
        if op is OP_sub and other._tape is not tape:
            join(tape, other)
        tape.nodes.append(out)
        return out

    def __rsub__(self, other):
        """sub: number − self, out = u − v; ∂out/∂u = 1, ∂out/∂v = −1."""
        v = self.data
        if type(other) is Value:
            op = OP_sub
            u = other.data
        elif type(other) is float or is_real(other):
            op = OP_sub_const_left
            if type(other) is not float:
                other = number_operand(other, op, self)
            u = other
        else:
            return unsupported('sub', self, other, True)
        data = u - v
        if data - data != 0.0 and u - u == 0.0 and v - v == 0.0:
            raise op_error(op, (other, self), NOT_FINITE)
        out = new(Value)
        out.data = data
        out.grad = 0.0
        out._op = op
        out._a = other
        out._b = self
        out._index = next(creation_counter)
        out._tape = tape = tape_now() or start_tape()
        if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full
            record_rarely(out, tape, other, self)
            return out
        if self._tape is not tape:  # a leaf's first use on this tape, or a node from elsewhere
            join(tape, self)
        if op is OP_sub and other._tape is not tape:
            join(tape, other)
        tape.nodes.append(out)
        return out

    def __mul__(self, other):
        """mul: self × other, out = u × v; ∂out/∂u = v, ∂out/∂v = u."""
        u = self.data
        if type(other) is Value:
            op = OP_mul
            v = other.data
        elif type(other) is float or is_real(other):
            op = OP_mul_const_right
            if type(other) is not float:
                other = number_operand(other, op, self)
            v = other
        else:
            return unsupported('mul', self, other, False)
        data = u * v
        if data - data != 0.0 and u - u == 0.0 and v - v == 0.0:
            raise op_error(op, (self, other), NOT_FINITE)
        out = new(Value)
        out.data = data
        out.grad = 0.0
        out._op = op
        out._a = self
        out._b = other
        out._index = next(creation_counter)
        out._tape = tape = tape_now() or start_tape()
        if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full
            record_rarely(out, tape, self, other)
            return out
        if self._tape is not tape:  # a leaf's first use on this tape, or a node from elsewhere
            join(tape, self)
        if op is OP_mul and other._tape is not tape:
            join(tape, other)
        tape.nodes.append(out)
        return out

    def __rmul__(self, other):
        """mul: number × self, out = u × v; ∂out/∂u = v, ∂out/∂v = u."""
        v = self.data
        if type(other) is Value:
            op = OP_mul
            u = other.data
        elif type(other) is float or is_real(other):
            op = OP_mul_const_left
            if type(other) is not float:
                other = number_operand(other, op, self)
            u = other
        else:
            return unsupported('mul', self, other, True)
        data = u * v
        if data - data != 0.0 and u - u == 0.0 and v - v == 0.0:
            raise op_error(op, (other, self), NOT_FINITE)
        out = new(Value)
        out.data = data
        out.grad = 0.0
        out._op = op
        out._a = other
        out._b = self
        out._index = next(creation_counter)
        out._tape = tape = tape_now() or start_tape()
        if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full
            record_rarely(out, tape, other, self)
            return out
        if self._tape is not tape:  # a leaf's first use on this tape, or a node from elsewhere
            join(tape, self)
        if op is OP_mul and other._tape is not tape:
            join(tape, other)
        tape.nodes.append(out)
        return out

    def __truediv__(self, other):
        """div: self ÷ other, out = u ÷ v; ∂out/∂u = 1/v, ∂out/∂v = −out/v = −u/v²."""
        u = self.data
        if type(other) is Value:
            op = OP_div
            v = other.data
        elif type(other) is float or is_real(other):
            op = OP_div_const_right
            if type(other) is not float:
                other = number_operand(other, op, self)
            v = other
        else:
            return unsupported('div', self, other, False)
        try:
            data = div_forward(u, v)
        except (ArithmeticError, ValueError) as exc:
            raise op_error(op, (self, other), exc) from None
        if data - data != 0.0 and u - u == 0.0 and v - v == 0.0:
            raise op_error(op, (self, other), NOT_FINITE)
        out = new(Value)
        out.data = data
        out.grad = 0.0
        out._op = op
        out._a = self
        out._b = other
        out._index = next(creation_counter)
        out._tape = tape = tape_now() or start_tape()
        if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full
            record_rarely(out, tape, self, other)
            return out
        if self._tape is not tape:  # a leaf's first use on this tape, or a node from elsewhere
            join(tape, self)
        if op is OP_div and other._tape is not tape:
            join(tape, other)
        tape.nodes.append(out)
        return out

    def __rtruediv__(self, other):
        """div: number ÷ self, out = u ÷ v; ∂out/∂u = 1/v, ∂out/∂v = −out/v = −u/v²."""
        v = self.data
        if type(other) is Value:
            op = OP_div
            u = other.data
        elif type(other) is float or is_real(other):
            op = OP_div_const_left
            if type(other) is not float:
                other = number_operand(other, op, self)
            u = other
        else:
            return unsupported('div', self, other, True)
        try:
            data = div_forward(u, v)
        except (ArithmeticError, ValueError) as exc:
            raise op_error(op, (other, self), exc) from None
        if data - data != 0.0 and u - u == 0.0 and v - v == 0.0:
            raise op_error(op, (other, self), NOT_FINITE)
        out = new(Value)
        out.data = data
        out.grad = 0.0
        out._op = op
        out._a = other
        out._b = self
        out._index = next(creation_counter)
        out._tape = tape = tape_now() or start_tape()
        if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full
            record_rarely(out, tape, other, self)
            return out
        if self._tape is not tape:  # a leaf's first use on this tape, or a node from elsewhere
            join(tape, self)
        if op is OP_div and other._tape is not tape:
            join(tape, other)
        tape.nodes.append(out)
        return out

    def __pow__(self, other):
        """pow: self ^ other, out = u ^ v; ∂out/∂u = v·u^(v−1), ∂out/∂v = out·ln u."""
        u = self.data
        if type(other) is Value:
            op = OP_pow
            v = other.data
        elif type(other) is float or is_real(other):
            op = OP_pow_const_right
            if type(other) is not float:
                other = number_operand(other, op, self)
            v = other
        else:
            return unsupported('pow', self, other, False)
        try:
            data = pow_forward(u, v)
        except (ArithmeticError, ValueError) as exc:
            raise op_error(op, (self, other), exc) from None
        if data - data != 0.0 and u - u == 0.0 and v - v == 0.0:
            raise op_error(op, (self, other), NOT_FINITE)
        out = new(Value)
        out.data = data
        out.grad = 0.0
        out._op = op
        out._a = self
        out._b = other
        out._index = next(creation_counter)
        out._tape = tape = tape_now() or start_tape()
        if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full
            record_rarely(out, tape, self, other)
            return out
        if self._tape is not tape:  # a leaf's first use on this tape, or a node from elsewhere
            join(tape, self)
        if op is OP_pow and other._tape is not tape:
            join(tape, other)
        tape.nodes.append(out)
        return out

    def __rpow__(self, other):
        """pow: number ^ self, out = u ^ v; ∂out/∂u = v·u^(v−1), ∂out/∂v = out·ln u."""
        v = self.data
        if type(other) is Value:
            op = OP_pow
            u = other.data
        elif type(other) is float or is_real(other):
            op = OP_pow_const_left
            if type(other) is not float:
                other = number_operand(other, op, self)
            u = other
        else:
            return unsupported('pow', self, other, True)
        try:
            data = pow_forward(u, v)
        except (ArithmeticError, ValueError) as exc:
            raise op_error(op, (other, self), exc) from None
        if data - data != 0.0 and u - u == 0.0 and v - v == 0.0:
            raise op_error(op, (other, self), NOT_FINITE)
        out = new(Value)
        out.data = data
        out.grad = 0.0
        out._op = op
        out._a = other
        out._b = self
        out._index = next(creation_counter)
        out._tape = tape = tape_now() or start_tape()
        if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full
            record_rarely(out, tape, other, self)
            return out
        if self._tape is not tape:  # a leaf's first use on this tape, or a node from elsewhere
            join(tape, self)
        if op is OP_pow and other._tape is not tape:
            join(tape, other)
        tape.nodes.append(out)
        return out

    def __neg__(self):
        """neg: out = −u; ∂out/∂u = −1."""
        u = self.data
        data = -u
        out = new(Value)
        out.data = data
        out.grad = 0.0
        out._op = OP_neg
        out._a = self
        out._b = None
        out._index = next(creation_counter)
        out._tape = tape = tape_now() or start_tape()
        if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full
            record_rarely(out, tape, self, None)
            return out
        if self._tape is not tape:  # a leaf's first use on this tape, or a node from elsewhere
            join(tape, self)
        tape.nodes.append(out)
        return out

    def exp(self):
        """exp: out = e^u; ∂out/∂u = out = e^u."""
        u = self.data
        try:
            data = exp_forward(u)
        except (ArithmeticError, ValueError) as exc:
            raise op_error(OP_exp, (self,), exc) from None
        out = new(Value)
        out.data = data
        out.grad = 0.0
        out._op = OP_exp
        out._a = self
        out._b = None
        out._index = next(creation_counter)
        out._tape = tape = tape_now() or start_tape()
        if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full
            record_rarely(out, tape, self, None)
            return out
        if self._tape is not tape:  # a leaf's first use on this tape, or a node from elsewhere
            join(tape, self)
        tape.nodes.append(out)
        return out

    def log(self):
        """log: out = ln u; ∂out/∂u = 1/u."""
        u = self.data
        try:
            data = log_forward(u)
        except (ArithmeticError, ValueError) as exc:
            raise op_error(OP_log, (self,), exc) from None
        out = new(Value)
        out.data = data
        out.grad = 0.0
        out._op = OP_log
        out._a = self
        out._b = None
        out._index = next(creation_counter)
        out._tape = tape = tape_now() or start_tape()
        if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full
            record_rarely(out, tape, self, None)
            return out
        if self._tape is not tape:  # a leaf's first use on this tape, or a node from elsewhere
            join(tape, self)
        tape.nodes.append(out)
        return out

    def sqrt(self):
        """sqrt: out = √u; ∂out/∂u = 1/(2·out) = 1/(2√u)."""
        u = self.data
        try:
            data = sqrt_forward(u)
        except (ArithmeticError, ValueError) as exc:
            raise op_error(OP_sqrt, (self,), exc) from None
        out = new(Value)
        out.data = data
        out.grad = 0.0
        out._op = OP_sqrt
        out._a = self
        out._b = None
        out._index = next(creation_counter)
        out._tape = tape = tape_now() or start_tape()
        if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full
            record_rarely(out, tape, self, None)
            return out
        if self._tape is not tape:  # a leaf's first use on this tape, or a node from elsewhere
            join(tape, self)
        tape.nodes.append(out)
        return out

    def tanh(self):
        """tanh: out = tanh u; ∂out/∂u = 1 − out² = 1 − tanh²u."""
        u = self.data
        try:
            data = tanh_forward(u)
        except (ArithmeticError, ValueError) as exc:
            raise op_error(OP_tanh, (self,), exc) from None
        out = new(Value)
        out.data = data
        out.grad = 0.0
        out._op = OP_tanh
        out._a = self
        out._b = None
        out._index = next(creation_counter)
        out._tape = tape = tape_now() or start_tape()
        if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full
            record_rarely(out, tape, self, None)
            return out
        if self._tape is not tape:  # a leaf's first use on this tape, or a node from elsewhere
            join(tape, self)
        tape.nodes.append(out)
        return out

    def sigmoid(self):
        """sigmoid: out = σ(u) = 1/(1 + e^−u); ∂out/∂u = out·(1 − out) = σ(u)(1 − σ(u))."""
        u = self.data
        try:
            data = sigmoid_forward(u)
        except (ArithmeticError, ValueError) as exc:
            raise op_error(OP_sigmoid, (self,), exc) from None
        out = new(Value)
        out.data = data
        out.grad = 0.0
        out._op = OP_sigmoid
        out._a = self
        out._b = None
        out._index = next(creation_counter)
        out._tape = tape = tape_now() or start_tape()
        if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full
            record_rarely(out, tape, self, None)
            return out
        if self._tape is not tape:  # a leaf's first use on this tape, or a node from elsewhere
            join(tape, self)
        tape.nodes.append(out)
        return out

    def relu(self):
        """relu: out = max(0, u); ∂out/∂u = 1 if u > 0 else 0."""
        u = self.data
        try:
            data = relu_forward(u)
        except (ArithmeticError, ValueError) as exc:
            raise op_error(OP_relu, (self,), exc) from None
        out = new(Value)
        out.data = data
        out.grad = 0.0
        out._op = OP_relu
        out._a = self
        out._b = None
        out._index = next(creation_counter)
        out._tape = tape = tape_now() or start_tape()
        if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full
            record_rarely(out, tape, self, None)
            return out
        if self._tape is not tape:  # a leaf's first use on this tape, or a node from elsewhere
            join(tape, self)
        tape.nodes.append(out)
        return out

    def sin(self):
        """sin: out = sin u; ∂out/∂u = cos u."""
        u = self.data
        try:
            data = sin_forward(u)
        except (ArithmeticError, ValueError) as exc:
            raise op_error(OP_sin, (self,), exc) from None
        out = new(Value)
        out.data = data
        out.grad = 0.0
        out._op = OP_sin
        out._a = self
        out._b = None
        out._index = next(creation_counter)
        out._tape = tape = tape_now() or start_tape()
        if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full
            record_rarely(out, tape, self, None)
            return out
        if self._tape is not tape:  # a leaf's first use on this tape, or a node from elsewhere
            join(tape, self)
        tape.nodes.append(out)
        return out

    def cos(self):
        """cos: out = cos u; ∂out/∂u = −sin u."""
        u = self.data
        try:
            data = cos_forward(u)
        except (ArithmeticError, ValueError) as exc:
            raise op_error(OP_cos, (self,), exc) from None
        out = new(Value)
        out.data = data
        out.grad = 0.0
        out._op = OP_cos
        out._a = self
        out._b = None
        out._index = next(creation_counter)
        out._tape = tape = tape_now() or start_tape()
        if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full
            record_rarely(out, tape, self, None)
            return out
        if self._tape is not tape:  # a leaf's first use on this tape, or a node from elsewhere
            join(tape, self)
        tape.nodes.append(out)
        return out

    def abs(self):
        """abs: out = |u|; ∂out/∂u = sign(u) (0 at u = 0)."""
        u = self.data
        data = abs(u)
        out = new(Value)
        out.data = data
        out.grad = 0.0
        out._op = OP_abs
        out._a = self
        out._b = None
        out._index = next(creation_counter)
        out._tape = tape = tape_now() or start_tape()
        if len(tape.nodes) >= tape.limit:  # no_grad, or the tape is full
            record_rarely(out, tape, self, None)
            return out
        if self._tape is not tape:  # a leaf's first use on this tape, or a node from elsewhere
            join(tape, self)
        tape.nodes.append(out)
        return out

    __abs__ = abs


# --- backward steps: the chain rule for one node of each op variant ---


def add_backward(node, g):
    """add: out = u + v; ∂out/∂u = 1, ∂out/∂v = 1."""
    left = node._a
    right = node._b
    before = left.grad
    s = before + g
    left.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, left, g, before)
    before = right.grad
    s = before + g
    right.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, right, g, before)


def sub_backward(node, g):
    """sub: out = u − v; ∂out/∂u = 1, ∂out/∂v = −1."""
    left = node._a
    right = node._b
    before = left.grad
    s = before + g
    left.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, left, g, before)
    before = right.grad
    s = before + -g
    right.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, right, g, before)


def mul_backward(node, g):
    """mul: out = u × v; ∂out/∂u = v, ∂out/∂v = u."""
    left = node._a
    right = node._b
    u = left.data
    v = right.data
    before = left.grad
    s = before + g * v
    left.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, left, g, before)
    before = right.grad
    s = before + g * u
    right.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, right, g, before)


def div_backward(node, g):
    """div: out = u ÷ v; ∂out/∂u = 1/v, ∂out/∂v = −out/v = −u/v²."""
    left = node._a
    right = node._b
    v = right.data
    out = node.data
    before = left.grad
    s = before + g * (1.0 / v)
    left.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, left, g, before)
    before = right.grad
    s = before + g * (-out / v)
    right.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, right, g, before)


def pow_backward(node, g):
    """pow: out = u ^ v; ∂out/∂u = v·u^(v−1), ∂out/∂v = out·ln u."""
    left = node._a
    right = node._b
    u = left.data
    v = right.data
    out = node.data
    before = left.grad
    s = before + g * scaled_pow(v, u, v - 1.0)
    left.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, left, g, before)
    before = right.grad
    s = before + g * log_scaled(out, u)
    right.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, right, g, before)


def neg_backward(node, g):
    """neg: out = −u; ∂out/∂u = −1."""
    left = node._a
    before = left.grad
    s = before + -g
    left.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, left, g, before)


def exp_backward(node, g):
    """exp: out = e^u; ∂out/∂u = out = e^u."""
    left = node._a
    out = node.data
    before = left.grad
    s = before + g * out
    left.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, left, g, before)


def log_backward(node, g):
    """log: out = ln u; ∂out/∂u = 1/u."""
    left = node._a
    u = left.data
    before = left.grad
    s = before + g * (1.0 / u)
    left.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, left, g, before)


def sqrt_backward(node, g):
    """sqrt: out = √u; ∂out/∂u = 1/(2·out) = 1/(2√u)."""
    left = node._a
    out = node.data
    before = left.grad
    s = before + g * (0.5 / out)
    left.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, left, g, before)


def tanh_backward(node, g):
    """tanh: out = tanh u; ∂out/∂u = 1 − out² = 1 − tanh²u."""
    left = node._a
    out = node.data
    before = left.grad
    s = before + g * (1.0 - out * out)
    left.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, left, g, before)


def sigmoid_backward(node, g):
    """sigmoid: out = σ(u) = 1/(1 + e^−u); ∂out/∂u = out·(1 − out) = σ(u)(1 − σ(u))."""
    left = node._a
    out = node.data
    before = left.grad
    s = before + g * (out * (1.0 - out))
    left.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, left, g, before)


def relu_backward(node, g):
    """relu: out = max(0, u); ∂out/∂u = 1 if u > 0 else 0."""
    left = node._a
    u = left.data
    before = left.grad
    s = before + g * step(u)
    left.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, left, g, before)


def sin_backward(node, g):
    """sin: out = sin u; ∂out/∂u = cos u."""
    left = node._a
    u = left.data
    before = left.grad
    s = before + g * cos(u)
    left.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, left, g, before)


def cos_backward(node, g):
    """cos: out = cos u; ∂out/∂u = −sin u."""
    left = node._a
    u = left.data
    before = left.grad
    s = before + g * -sin(u)
    left.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, left, g, before)


def abs_backward(node, g):
    """abs: out = |u|; ∂out/∂u = sign(u) (0 at u = 0)."""
    left = node._a
    u = left.data
    before = left.grad
    s = before + g * sign(u)
    left.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, left, g, before)


def add_const_right_backward(node, g):
    """add_const_right: out = u + v; ∂out/∂u = 1."""
    left = node._a
    before = left.grad
    s = before + g
    left.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, left, g, before)


def sub_const_right_backward(node, g):
    """sub_const_right: out = u − v; ∂out/∂u = 1."""
    left = node._a
    before = left.grad
    s = before + g
    left.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, left, g, before)


def mul_const_right_backward(node, g):
    """mul_const_right: out = u × v; ∂out/∂u = v."""
    left = node._a
    v = node._b
    before = left.grad
    s = before + g * v
    left.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, left, g, before)


def div_const_right_backward(node, g):
    """div_const_right: out = u ÷ v; ∂out/∂u = 1/v."""
    left = node._a
    v = node._b
    before = left.grad
    s = before + g * (1.0 / v)
    left.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, left, g, before)


def pow_const_right_backward(node, g):
    """pow_const_right: out = u ^ v; ∂out/∂u = v·u^(v−1)."""
    left = node._a
    u = left.data
    v = node._b
    before = left.grad
    s = before + g * scaled_pow(v, u, v - 1.0)
    left.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, left, g, before)


def add_const_left_backward(node, g):
    """add_const_left: out = u + v; ∂out/∂v = 1."""
    right = node._b
    before = right.grad
    s = before + g
    right.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, right, g, before)


def sub_const_left_backward(node, g):
    """sub_const_left: out = u − v; ∂out/∂v = −1."""
    right = node._b
    before = right.grad
    s = before + -g
    right.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, right, g, before)


def mul_const_left_backward(node, g):
    """mul_const_left: out = u × v; ∂out/∂v = u."""
    right = node._b
    u = node._a
    before = right.grad
    s = before + g * u
    right.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, right, g, before)


def div_const_left_backward(node, g):
    """div_const_left: out = u ÷ v; ∂out/∂v = −out/v = −u/v²."""
    right = node._b
    v = right.data
    out = node.data
    before = right.grad
    s = before + g * (-out / v)
    right.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, right, g, before)


def pow_const_left_backward(node, g):
    """pow_const_left: out = u ^ v; ∂out/∂v = out·ln u."""
    right = node._b
    u = node._a
    out = node.data
    before = right.grad
    s = before + g * log_scaled(out, u)
    right.grad = s
    if s - s != 0.0:  # inf or nan: an error if only finite numbers went in
        check(node, right, g, before)


# The step for each op variant, as backward() looks it up.
STEPS = {
    OP_add: add_backward,
    OP_sub: sub_backward,
    OP_mul: mul_backward,
    OP_div: div_backward,
    OP_pow: pow_backward,
    OP_neg: neg_backward,
    OP_exp: exp_backward,
    OP_log: log_backward,
    OP_sqrt: sqrt_backward,
    OP_tanh: tanh_backward,
    OP_sigmoid: sigmoid_backward,
    OP_relu: relu_backward,
    OP_sin: sin_backward,
    OP_cos: cos_backward,
    OP_abs: abs_backward,
    OP_add_const_right: add_const_right_backward,
    OP_sub_const_right: sub_const_right_backward,
    OP_mul_const_right: mul_const_right_backward,
    OP_div_const_right: div_const_right_backward,
    OP_pow_const_right: pow_const_right_backward,
    OP_add_const_left: add_const_left_backward,
    OP_sub_const_left: sub_const_left_backward,
    OP_mul_const_left: mul_const_left_backward,
    OP_div_const_left: div_const_left_backward,
    OP_pow_const_left: pow_const_left_backward,
}
