"""One calling convention for jacobian, jvp, vjp and hvp, and one rule for return shapes.

A point (primals) and a direction (tangents, cotangents) are sequences with one number per
argument of f; jacobian(f, mode)(primals) takes the point the same way, and its older
form jacobian(f)(x0, x1, ...) still works. What is indexed by f's outputs has f's shape
(a Value gives a float, a tuple gives a tuple); what is indexed by the arguments is a
tuple, one per argument; a Jacobian is always an m × n list of lists.
"""

import pytest

import autodiff as ad


def f_scalar(x, y):
    return x * y + x.sin()


def f_pair(x, y):
    return x * y, x + y


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
def test_jacobian_takes_a_sequence_and_still_the_numbers(mode):
    J = ad.jacobian(f_pair, mode)
    assert J([2.0, 3.0]) == J((2.0, 3.0)) == J(2.0, 3.0) == [[3.0, 2.0], [1.0, 1.0]]
    assert ad.jacobian(lambda x: x * x, mode)([3.0]) == ad.jacobian(lambda x: x * x, mode)(3.0)


def test_a_mixed_or_scalar_point_names_the_calling_form():
    with pytest.raises(TypeError, match=r"jacobian\(f\)\(\(2\.0, 3\.0\)\)"):
        ad.jacobian(f_pair)([2.0], 3.0)
    for call, who in ((lambda: ad.jvp(f_scalar, 2.0, 1.0), "jvp"),
                      (lambda: ad.vjp(f_scalar, 2.0, 1.0), "vjp"),
                      (lambda: ad.hvp(f_scalar, 2.0, 1.0), "hvp"),
                      (lambda: ad.jvp(f_scalar, (2.0, 3.0), 1.0), "jvp")):
        with pytest.raises(TypeError, match=rf"{who}: \w+ must be a sequence .* as in "
                                            rf"{who}\(f, \(2\.0, 3\.0\)"):
            call()


def test_return_shapes_follow_one_rule():
    point = (2.0, 3.0)
    value, tangent = ad.jvp(f_scalar, point, (1.0, 0.0))
    assert isinstance(value, float) and isinstance(tangent, float)
    values, tangents = ad.jvp(f_pair, point, (1.0, 0.0))
    assert values == (6.0, 5.0) and tangents == (3.0, 1.0)
    value, cotangent = ad.vjp(f_scalar, point, 1.0)
    assert isinstance(value, float) and isinstance(cotangent, tuple) and len(cotangent) == 2
    values, cotangent = ad.vjp(f_pair, point, (1.0, 1.0))
    assert values == (6.0, 5.0) and cotangent == (4.0, 3.0)
    assert isinstance(ad.hvp(f_scalar, point, (1.0, 0.0)), tuple)
    assert len(ad.jacobian(f_scalar)(point)) == 1 and len(ad.jacobian(f_scalar)(point)[0]) == 2
    assert ad.grad(f_scalar, (0, 1))(*point) == ad.vjp(f_scalar, point, 1.0)[1]
    # a list of outputs is a sequence of outputs too
    assert ad.jvp(lambda x: [x, x * x], (2.0,), (1.0,)) == ((2.0, 4.0), (1.0, 4.0))
