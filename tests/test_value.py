"""`Value`: construction, graph structure (.op, .parents, .operands), repr, recording."""

import pytest

import autodiff as ad
from autodiff import Value
from autodiff.core.ops import CONST_LEFT, CONST_RIGHT, OPS, UNARY


def test_leaf_fields():
    v = Value(3, "x")
    assert v.data == 3.0 and type(v.data) is float
    assert v.grad == 0.0 and v.label == "x" and v.op == "" and v.parents == ()
    assert v.operands == ()


def test_slots_no_instance_dict():
    with pytest.raises(AttributeError):
        Value(1.0).__dict__  # noqa: B018


def test_parents_are_ordered_with_repeats():
    a, b = Value(2.0, "a"), Value(3.0, "b")
    assert (a * a).parents == (a, a)
    assert (b - a).parents == (b, a)
    assert (a ** b).parents == (a, b)
    assert a.tanh().parents == (a,)


def test_a_constant_operand_costs_no_node():
    x = Value(2.0)
    right, left = x * 3.0, 3 - x
    assert right.parents == (x,) and right.operands == (x, 3.0) and right._op.kind == CONST_RIGHT
    assert left.parents == (x,) and left.operands == (3.0, x) and left._op.kind == CONST_LEFT
    assert (2.0 ** x).data == 4.0 and (x ** 2).data == 4.0 and (1 / x).data == 0.5


@pytest.mark.parametrize("op", [op for op in OPS.values() if op.kind == UNARY], ids=str)
def test_each_unary_op_of_the_table_is_a_value_method(op):
    x = Value(0.5)
    node = -x if op.name == "neg" else getattr(x, op.name)()
    assert node.op == op.name and node.parents == (x,)
    assert node.data == op.forward(0.5)


def test_abs_and_pos():
    x = Value(-2.0)
    assert abs(x).data == 2.0 and abs(x).op == "abs"
    assert +x is x


def test_repr_is_readable():
    x = Value(2.0, "x")
    assert repr(x) == "Value(data=2.0, grad=0.0, label='x')"
    assert repr(x * 2) == "Value(data=4.0, grad=0.0, op='mul')"


def test_float_conversion_and_truth_value():
    assert float(Value(2.5)) == 2.5
    with pytest.raises(TypeError, match="ambiguous"):
        bool(Value(1.0))


def test_no_grad_records_nothing_and_enable_grad_records_again():
    x = Value(2.0)
    with ad.no_grad():
        y = x * x + 1.0
        with ad.enable_grad():
            z = x * 3.0
    assert y.op == "" and y.parents == () and y.data == 5.0
    assert z.op == "mul" and z.parents == (x,)
    z.backward()
    assert x.grad == 3.0


def test_numbers_of_other_real_types_are_accepted():
    import fractions

    x = Value(fractions.Fraction(1, 2))
    assert x.data == 0.5 and (x * fractions.Fraction(1, 4)).data == 0.125
