"""Saving and loading weights: exact round trips, and every kind of bad file rejected with a
ValueError that says what is wrong, leaving the model exactly as it was."""

import json
import re

import pytest

import nn


@pytest.fixture
def model():
    return nn.MLP(3, [4, 2, 1], activation=["tanh", "relu", "sigmoid"], seed=7)


def test_round_trip_is_exact(tmp_path, model):
    awkward = [0.1, 1 / 3, -0.0, 5e-324, 1e308, -2.5e-300, 0.30000000000000004]
    for p, value in zip(model.parameters(), awkward, strict=False):
        p.data = value
    path = tmp_path / "model.json"
    model.save(path)
    other = nn.MLP(3, [4, 2, 1], activation=["tanh", "relu", "sigmoid"], seed=99)
    assert other.state_dict() != model.state_dict()
    other.load(path)
    for (name, a), (other_name, b) in zip(model.state_dict().items(),
                                          other.state_dict().items(), strict=True):
        assert name == other_name
        assert a.hex() == b.hex()  # bit for bit, the sign of -0.0 included
    assert not (tmp_path / "model.json.partial").exists()


def test_file_holds_format_version_architecture_and_named_weights(tmp_path, model):
    path = tmp_path / "model.json"
    model.save(path)
    payload = json.loads(path.read_text(encoding="utf-8"))
    assert payload["format"] == "autodiff.nn" and payload["version"] == 1
    assert payload["model"] == {"type": "MLP", "nin": 3, "nouts": [4, 2, 1],
                                "activations": ["tanh", "relu", "sigmoid"], "bias": True}
    assert list(payload["parameters"])[:4] == ["θ0[0,0]", "θ0[1,0]", "θ0[2,0]", "b1[0]"]


def test_state_dict_round_trip_and_parameter_order(model):
    state = model.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()]
    assert len(state) == len(model.parameters()) == 4 * 4 + 2 * 5 + 1 * 3
    fresh = nn.MLP(3, [4, 2, 1], activation=["tanh", "relu", "sigmoid"], seed=1)
    fresh.load_state_dict(state)
    assert fresh.state_dict() == state


def _edit(payload, change):
    edited = json.loads(json.dumps(payload))
    change(edited)
    return json.dumps(edited, ensure_ascii=False)


def _bad_files(good_text):
    good = json.loads(good_text)
    first = next(iter(good["parameters"]))
    return {
        "truncated": (good_text[: len(good_text) // 2], "not valid JSON"),
        "empty": ("", "not valid JSON"),
        "corrupt bytes": (b"\x89PNG\r\n\x1a\n\xff\xfe", "not UTF-8"),
        "garbage text": ("θ0[0,0] = 1.5", "not valid JSON"),
        "a list": ("[1, 2, 3]", "not a saved model"),
        "other format": (_edit(good, lambda p: p.update(format="pytorch")), "not a saved model"),
        "newer version": (_edit(good, lambda p: p.update(version=2)), "version 2"),
        "version as text": (_edit(good, lambda p: p.update(version="1")), "version '1'"),
        "version true": (_edit(good, lambda p: p.update(version=True)), "version True"),
        "no version": (_edit(good, lambda p: p.pop("version")), "version None"),
        "no model": (_edit(good, lambda p: p.pop("model")), '"model"'),
        "parameters a list": (_edit(good, lambda p: p.update(parameters=[1.0])), '"parameters"'),
        "other shape": (_edit(good, lambda p: p["model"].update(nouts=[5, 2, 1])),
                        "the file holds"),
        "other activation": (_edit(good, lambda p: p["model"].update(
            activations=["sigmoid"] * 3)), "the file holds"),
        "missing weight": (_edit(good, lambda p: p["parameters"].pop(first)), "missing θ0[0,0]"),
        "extra weight": (_edit(good, lambda p: p["parameters"].update({"θ9[0,0]": 1.0})),
                         "unexpected θ9[0,0]"),
        "weight as text": (_edit(good, lambda p: p["parameters"].update({first: "0.5"})),
                           "must be a number"),
        "weight null": (_edit(good, lambda p: p["parameters"].update({first: None})),
                        "must be a number"),
        "weight bool": (_edit(good, lambda p: p["parameters"].update({first: True})),
                        "must be a number"),
        "weight NaN": (good_text.replace(json.dumps(good["parameters"][first]), "NaN", 1), "NaN"),
        "weight overflows": (good_text.replace(json.dumps(good["parameters"][first]), "1e999", 1),
                             "not finite"),
    }


@pytest.mark.parametrize("kind", list(_bad_files(json.dumps({
    "format": "autodiff.nn", "version": 1, "model": {}, "parameters": {"θ0[0,0]": 0.25}}))))
def test_bad_file_raises_and_leaves_the_model_untouched(tmp_path, model, kind):
    good_path = tmp_path / "good.json"
    model.save(good_path)
    text, message = _bad_files(good_path.read_text(encoding="utf-8"))[kind]
    bad_path = tmp_path / "bad.json"
    if isinstance(text, bytes):
        bad_path.write_bytes(text)
    else:
        bad_path.write_text(text, encoding="utf-8")
    target = nn.MLP(3, [4, 2, 1], activation=["tanh", "relu", "sigmoid"], seed=3)
    before = target.state_dict()
    with pytest.raises(ValueError, match=re.escape(message)) as raised:
        target.load(bad_path)
    assert target.state_dict() == before
    assert str(raised.value).startswith(str(bad_path))


def test_load_state_dict_checks_everything_before_assigning(model):
    before = model.state_dict()
    state = dict(before)
    last = list(state)[-1]
    state[last] = "oops"  # only the last entry is bad: nothing may be assigned
    state[next(iter(state))] = 123.0
    with pytest.raises(TypeError, match=r"must be a number"):
        model.load_state_dict(state)
    assert model.state_dict() == before
    with pytest.raises(TypeError, match="mapping"):
        model.load_state_dict([1.0, 2.0])


def test_saving_a_non_finite_weight_is_refused(tmp_path, model):
    model.parameters()[3].data = float("nan")
    with pytest.raises(ValueError, match=r"b1\[0\] is nan"):
        model.save(tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


def test_missing_file_is_an_os_error(tmp_path, model):
    with pytest.raises(FileNotFoundError):
        model.load(tmp_path / "nowhere.json")


def test_neuron_and_layer_save_and_load_too(tmp_path):
    layer = nn.Layer(2, 3, activation="tanh", bias=False)
    layer.save(tmp_path / "layer.json")
    other = nn.Layer(2, 3, activation="tanh", bias=False)
    other.load(tmp_path / "layer.json")
    assert other.state_dict() == layer.state_dict()
    with pytest.raises(ValueError, match="the file holds"):
        nn.Neuron(2).load(tmp_path / "layer.json")
