"""No silent NaN (SGD and fit refuse non-finite steps and data), a size limit before
allocating, and copies (pickle, deepcopy) that train on identically without the last
batch's graph."""

import copy
import math
import pickle

import numpy as np
import pytest

import nn
import nn.layers
from autodiff import Value

X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
Y = [0.0, 1.0, 1.0, 0.0]


# --- SGD ----------------------------------------------------------------------------------

def params_with_grads(grads, labels=None):
    ps = [Value(float(i + 1), labels[i] if labels else "") for i in range(len(grads))]
    for p, g in zip(ps, grads, strict=True):
        p.grad = g
    return ps


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("bad", [1e308, float("inf"), float("nan"), -float("inf")])
def test_a_step_that_would_go_non_finite_raises_and_changes_nothing(momentum, bad):
    ps = params_with_grads([0.5, -0.25, bad, 2.0], ["w0", "w1", "w2", "w3"])
    opt = nn.SGD(ps, lr=1e10, momentum=momentum)
    opt.velocity = [0.1, 0.2, 0.3, 0.4]
    with pytest.raises(OverflowError, match=r"parameter w2 \(parameters\[2\]\)") as raised:
        opt.step()
    assert "No parameter or momentum buffer was changed" in str(raised.value)
    assert [p.data for p in ps] == [1.0, 2.0, 3.0, 4.0]  # the ones before w2 too
    assert opt.velocity == [0.1, 0.2, 0.3, 0.4]


def test_a_momentum_buffer_that_would_overflow_is_refused_too():
    ps = params_with_grads([1.0, 1.7e308], ["a", "b"])
    opt = nn.SGD(ps, lr=1e-300, momentum=0.5)  # lr × buffer is tiny: only the buffer overflows
    opt.velocity = [0.0, 1.7e308]
    with pytest.raises(OverflowError, match=r"parameter b \(parameters\[1\]\) -inf") as raised:
        opt.step()
    assert "the momentum buffer 1.7e+308 × 0.5 + gradient overflows" in str(raised.value)
    assert [p.data for p in ps] == [1.0, 2.0] and opt.velocity == [0.0, 1.7e308]


def test_errors_name_a_modules_parameters_by_their_names():
    model = nn.MLP(2, [2, 1], seed=0)
    opt = nn.SGD(model, lr=0.1)
    model.parameters()[4].grad = float("nan")
    with pytest.raises(OverflowError, match=r"parameter θ0\[1,1\] nan .* gradient is nan"):
        opt.step()


def test_finite_steps_are_unchanged_and_large_finite_sums_are_not_refused():
    ps = params_with_grads([1.0, -1.0])
    ps[0].data, ps[1].data = 1.5e308, 1.5e308  # their sum overflows, each value is fine
    nn.SGD(ps, lr=1e300).step()
    assert [p.data for p in ps] == [1.5e308 - 1e300, 1.5e308 + 1e300]


@pytest.mark.parametrize("lr, error", [(0.0, ValueError), (-1.0, ValueError),
                                       (float("inf"), ValueError), (float("nan"), ValueError),
                                       ("1", TypeError), (True, TypeError)])
def test_lr_must_be_finite_and_positive_also_when_changed_later(lr, error):
    with pytest.raises(error, match="lr must be"):
        nn.SGD([Value(1.0)], lr=lr)
    opt = nn.SGD([Value(1.0)], lr=0.1)
    with pytest.raises(error, match="lr must be"):
        opt.lr = lr
    assert opt.lr == 0.1
    opt.lr = 0.5  # a schedule may change it between steps
    assert opt.lr == 0.5


def test_a_gradient_that_is_not_a_number_is_a_type_error():
    p = Value(1.0, "w")
    p.grad = Value(2.0)
    with pytest.raises(TypeError, match=r"gradient of parameter w .* got Value"):
        nn.SGD([p], lr=0.1).step()


# --- fit ----------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("compiled", [False, True])
def test_the_issue_example_raises_instead_of_returning_nan(seed, compiled):
    model = nn.MLP(1, [1], "linear", seed=seed)
    with pytest.raises(OverflowError):
        nn.fit(model, [[1e5]], [[0]], 3, lr=1e300, progress=False, compiled=compiled)
    assert all(math.isfinite(v) for v in model.state_dict().values())


def test_a_non_finite_loss_stops_before_its_step():
    model = nn.MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(OverflowError, match="epoch 0, batch from sample 0: the loss is inf"):
        nn.fit(model, X, Y, 3, progress=False,
               loss=lambda out, y: nn.mse(out, y) + float("inf"))
    assert model.state_dict() == before


SELF: list = []
SELF.append(SELF)

BAD_DATA = {
    "NaN in X": ([[0.0, 0.0], [0.0, float("nan")], [1.0, 0.0]], [0.0, 1.0, 1.0],
                 ValueError, r"X\[1\]\[1\] is nan"),
    "inf in X (array)": (np.array([[0.0, 0.0], [0.0, 1.0], [np.inf, 0.0]]), [0.0, 1.0, 1.0],
                         ValueError, r"X\[2\]\[0\] is inf"),
    "NaN in Y": (X[:3], [0.0, 1.0, float("nan")], ValueError, r"Y\[2\] is nan"),
    "-inf in a Y row": (X[:3], [[0.0], [-np.inf], [1.0]], ValueError, r"Y\[1\]\[0\] is -inf"),
    "NaN in a Y array": (X[:3], np.array([0.0, np.nan, 1.0]), ValueError, r"Y\[1\] is nan"),
    "a Value holding NaN": ([[Value(float("nan")), 0.0], *X[1:3]], [0.0, 1.0, 1.0],
                            ValueError, r"X\[0\]\[0\] is nan"),
    "a short row": ([[0.0, 0.0], [1.0], [1.0, 0.0]], [0.0, 1.0, 1.0], ValueError,
                    r"X\[1\]: MLP expects 2 inputs, got 1"),
    "text in X": ([[0.0, 0.0], [0.0, "1"], [1.0, 0.0]], [0.0, 1.0, 1.0], TypeError,
                  r"X\[1\]: MLP input 1 must be a number"),
    "text in Y": (X[:3], [0.0, "1", 1.0], TypeError, r"Y\[1\] must be a number"),
    "None in Y": (X[:3], [0.0, [None], 1.0], TypeError, r"Y\[1\]\[0\] must be a number"),
    "a huge integer in X": ([[0.0, 0.0], [10 ** 400, 1.0], [1.0, 0.0]], [0.0, 1.0, 1.0],
                            ValueError, r"X\[1\]\[0\] is an integer of 401 digits"),
    "a Y row that holds itself": (X[:3], [0.0, SELF, 1.0], ValueError,
                                  r"Y\[1\] is nested more than 8 lists deep"),
}


@pytest.mark.parametrize("kind", list(BAD_DATA))
def test_bad_data_is_refused_before_training_the_same_way_eager_and_compiled(kind):
    data_x, data_y, error, message = BAD_DATA[kind]
    seen = []
    for compiled in (False, True):
        model = nn.MLP(2, [2, 1], seed=0)
        before = model.state_dict()
        with pytest.raises(error, match=message) as raised:
            nn.fit(model, data_x, data_y, 2, batch_size=None, progress=False,
                   compiled=compiled)
        assert model.state_dict() == before
        seen.append((type(raised.value), str(raised.value)))
    assert seen[0] == seen[1]


def test_bad_data_in_the_last_mini_batch_is_refused_before_any_step():
    model = nn.MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    data = [*X, [float("inf"), 0.0]]
    with pytest.raises(ValueError, match=r"X\[4\]\[0\] is inf"):
        nn.fit(model, data, [*Y, 1.0], 2, batch_size=1, shuffle=False, progress=False)
    assert model.state_dict() == before


# --- size limit ---------------------------------------------------------------------------

def test_a_model_beyond_the_parameter_limit_is_refused_before_allocating():
    with pytest.raises(ValueError, match=r"MLP\(2, \[1000000000\]\) would have "
                                         r"3,000,000,000 parameters") as raised:
        nn.MLP(2, [10 ** 9])
    assert "nn.MAX_PARAMETERS" in str(raised.value) and "to_torch" in str(raised.value)
    with pytest.raises(ValueError, match="limit"):
        nn.Layer(10 ** 5, 10 ** 5)
    with pytest.raises(ValueError, match="limit"):
        nn.Neuron(10 ** 7)
    assert nn.MAX_PARAMETERS == 1_000_000


def test_the_limit_counts_weights_and_biases_exactly(monkeypatch):
    monkeypatch.setattr(nn.layers, "MAX_PARAMETERS", 17)
    assert len(nn.MLP(2, [4, 1]).parameters()) == 17  # (2 + 1) × 4 + (4 + 1) × 1
    with pytest.raises(ValueError, match="21 parameters"):
        nn.MLP(3, [4, 1])
    assert len(nn.MLP(3, [4, 1], bias=False).parameters()) == 16
    with pytest.raises(ValueError, match="18 parameters"):
        nn.Layer(5, 3)


# --- copies -------------------------------------------------------------------------------

def trained():
    model = nn.MLP(2, [4, 3, 1], activation=["tanh", "relu", "sigmoid"], seed=2)
    nn.fit(model, X, Y, 5, lr=0.5, progress=False)
    assert model.deltas()[0].shape == (4, 4)  # the last batch's record is there
    return model


@pytest.mark.parametrize("copier", [lambda m: pickle.loads(pickle.dumps(m)), copy.deepcopy],
                         ids=["pickle", "deepcopy"])
def test_a_trained_model_copies_and_trains_on_identically(copier):
    model = trained()
    twin = copier(model)
    assert twin.state_dict() == model.state_dict()
    assert twin.config() == model.config()
    assert all(a is not b for a, b in zip(twin.parameters(), model.parameters(), strict=True))
    with pytest.raises(RuntimeError, match=r"do not travel with a copy.*call \.backward\(\) "
                                           r"on the loss first"):
        twin.deltas()
    assert model.deltas()[0].shape == (4, 4)  # the original keeps its record
    a = nn.fit(model, X, Y, 4, lr=0.5, batch_size=2, seed=1, momentum=0.9, progress=False)
    b = nn.fit(twin, X, Y, 4, lr=0.5, batch_size=2, seed=1, momentum=0.9, progress=False)
    assert [x.hex() for x in a.losses] == [x.hex() for x in b.losses]
    assert twin.state_dict() == model.state_dict()
    for da, db in zip(model.deltas(), twin.deltas(), strict=True):
        assert np.array_equal(da, db)


def test_a_pickled_model_does_not_carry_the_last_batchs_graph():
    model = trained()
    fresh = nn.MLP(2, [4, 3, 1], activation=["tanh", "relu", "sigmoid"], seed=2)
    assert len(pickle.dumps(model)) < 2 * len(pickle.dumps(fresh))
    twin = pickle.loads(pickle.dumps(model))
    assert all(not n.zs and n.recorded_calls == 0 for layer in twin.layers
               for n in layer.neurons)


def test_a_copy_records_its_own_calls_as_usual():
    twin = copy.deepcopy(trained())
    out = twin(X[0])
    with pytest.raises(RuntimeError, match="have not been through a backward"):
        twin.deltas()
    out.backward()
    assert [d.shape for d in twin.deltas()] == [(1, 4), (1, 3), (1, 1)]
    twin.zero_grad()
    assert [d.shape for d in copy.deepcopy(twin).deltas()] == [(0, 4), (0, 3), (0, 1)]


def test_an_untrained_copy_has_an_empty_record():
    twin = pickle.loads(pickle.dumps(nn.MLP(2, [3, 1], seed=0)))
    assert [d.shape for d in twin.deltas()] == [(0, 3), (0, 1)]
