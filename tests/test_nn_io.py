"""Saving and loading models: exact round trips; concurrent saves (threads and processes)
leave one complete model; a failed save leaves the old file and no temporary file; every bad
or hostile file is a ValueError that says what is wrong and leaves the model unchanged."""

import json
import multiprocessing
import os
import re
import stat
import sys
import threading

import pytest

import nn
import nn.module


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


# --- under stress ----------------------------------------------------------------------

def constant_model(value: float) -> nn.MLP:
    """A model whose every weight is ``value``: a mixed file shows as mixed values."""
    model = nn.MLP(3, [8, 4, 1], seed=0)
    for p in model.parameters():
        p.data = value
    return model


def assert_one_model(path):
    loaded = nn.MLP(3, [8, 4, 1], seed=1)
    loaded.load(path)
    values = set(loaded.state_dict().values())
    assert len(values) == 1, f"a mixed file: weights from {sorted(values)}"
    return values.pop()


def leftovers(folder, keep="model.json"):
    return sorted(name for name in os.listdir(folder) if name != keep)


# --- concurrent saves ---------------------------------------------------------------------

def test_threads_saving_to_one_path_leave_one_complete_model(tmp_path):
    path = tmp_path / "model.json"
    constant_model(-1.0).save(path)
    errors, seen, done = [], set(), threading.Event()

    def writer(k):
        model = constant_model(float(k))
        try:
            for _ in range(15):
                model.save(path)
        except Exception as exc:  # collected: the test fails below if there is any
            errors.append(exc)

    def reader():
        while True:  # at least once, and until the writers are done
            finished = done.is_set()
            try:
                seen.add(assert_one_model(path))
            except BaseException as exc:  # a mixed or unreadable file: fails the test below
                errors.append(exc)
                return
            if finished:
                return

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    watcher = threading.Thread(target=reader)
    watcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    watcher.join()
    assert errors == []
    assert assert_one_model(path) in {float(k) for k in range(8)}
    assert leftovers(tmp_path) == []
    assert len(seen) >= 1


def _save_many(path: str, k: int, times: int) -> None:
    model = constant_model(float(k))
    for _ in range(times):
        model.save(path)


def test_processes_saving_to_one_path_leave_one_complete_model(tmp_path):
    path = tmp_path / "model.json"
    constant_model(-1.0).save(path)
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    workers = [context.Process(target=_save_many, args=(str(path), k, 15)) for k in range(4)]
    for w in workers:
        w.start()
    readings = set()
    while any(w.is_alive() for w in workers):
        readings.add(assert_one_model(path))
    for w in workers:
        w.join()
    assert [w.exitcode for w in workers] == [0] * 4
    assert assert_one_model(path) in {0.0, 1.0, 2.0, 3.0}
    assert readings <= {-1.0, 0.0, 1.0, 2.0, 3.0}
    assert leftovers(tmp_path) == []


def test_a_save_interleaved_with_another_publishes_one_whole_model(tmp_path, monkeypatch):
    """A writes its file, B saves completely while A is flushing, then A renames: the file
    is all A's (the last rename wins), never half of each."""
    path = tmp_path / "model.json"
    a, b = constant_model(1.0), constant_model(2.0)
    real_fsync, calls = os.fsync, []

    def fsync_with_b_in_between(fd):
        real_fsync(fd)
        calls.append(fd)
        if len(calls) == 1:
            b.save(path)  # B runs its whole save inside A's
            assert assert_one_model(path) == 2.0

    monkeypatch.setattr(nn.module.os, "fsync", fsync_with_b_in_between)
    a.save(path)
    assert assert_one_model(path) == 1.0
    assert leftovers(tmp_path) == []


# --- failed saves -------------------------------------------------------------------------

@pytest.mark.parametrize("step, error", [
    ("fsync", OSError(28, "No space left on device")), ("replace", PermissionError(13, "no")),
    ("chmod", OSError(1, "not permitted")), ("fsync", KeyboardInterrupt()),
])
def test_a_failed_save_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path, monkeypatch,
                                                                         step, error):
    path = tmp_path / "model.json"
    constant_model(1.0).save(path)
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(nn.module.os, step, fail)
    with pytest.raises(type(error)):
        constant_model(2.0).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_saving_to_a_folder_is_a_clear_error(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match=re.escape(str(folder))):
        constant_model(1.0).save(folder)
    assert os.listdir(folder) == [] and leftovers(tmp_path, keep="models") == []


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links")
def test_saving_through_a_symbolic_link_replaces_the_file_it_points_to(tmp_path):
    target = tmp_path / "real" / "model.json"
    target.parent.mkdir()
    constant_model(1.0).save(target)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    constant_model(2.0).save(link)
    assert link.is_symlink() and assert_one_model(target) == 2.0
    assert sorted(os.listdir(target.parent)) == ["model.json"]


def test_saving_into_a_missing_folder_creates_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        constant_model(1.0).save(tmp_path / "nowhere" / "model.json")
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_a_save_keeps_the_files_mode_and_a_new_file_gets_the_umask_default(tmp_path):
    path = tmp_path / "model.json"
    path.write_text("old")
    os.chmod(path, 0o640)
    constant_model(1.0).save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    for mask, expected in ((0o022, 0o644), (0o077, 0o600), (0o002, 0o664)):
        new = tmp_path / f"new{mask:o}.json"
        old_mask = os.umask(mask)
        try:
            constant_model(1.0).save(new)
        finally:
            os.umask(old_mask)
        assert stat.S_IMODE(os.stat(new).st_mode) == expected


# --- hostile files ------------------------------------------------------------------------

def good_payload():
    model = nn.MLP(3, [2, 1], seed=0)
    return {"format": "autodiff.nn", "version": 1, "model": model.config(),
            "parameters": model.state_dict()}


def edited(change):
    payload = good_payload()
    change(payload)
    return json.dumps(payload, ensure_ascii=False)


def with_first_weight(text):
    payload = good_payload()
    first = json.dumps(next(iter(payload["parameters"])), ensure_ascii=False)
    good = json.dumps(payload, ensure_ascii=False)
    at = good.index(first + ": ") + len(first) + 2
    end = good.index(",", at)
    return good[:at] + text + good[end:]


def nested(depth):
    value = 2
    for _ in range(depth):
        value = [value]
    return value


HOSTILE = {
    "a 401-digit integer weight": (with_first_weight("9" * 401), "401 digits, too large"),
    "a 5000-digit integer weight": (with_first_weight("9" * 5000), "not a saved model"),
    "a weight nested deeply": (with_first_weight("[" * 100_000 + "]" * 100_000),
                               "nested too deeply"),
    "a file nested deeply": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "objects nested deeply": ('{"a":' * 50_000 + "1" + "}" * 50_000, "nested too deeply"),
    "Infinity": (with_first_weight("Infinity"), "Infinity"),
    "-Infinity": (with_first_weight("-Infinity"), "-Infinity"),
    "NaN": (with_first_weight("NaN"), "NaN"),
    "1e400": (with_first_weight("1e400"), "not finite"),
    "version 1.0": (edited(lambda p: p.update(version=1.0)), "version 1.0"),
    "format with another type": (edited(lambda p: p.update(format=["autodiff.nn"])),
                                 "not a saved model"),
    "bias 1": (edited(lambda p: p["model"].update(bias=1)), "model.bias is 1 (int)"),
    "nin 3.0": (edited(lambda p: p["model"].update(nin=3.0)), "model.nin is 3.0 (float)"),
    "nouts with a float": (edited(lambda p: p["model"].update(nouts=[2.0, 1])),
                           r"model.nouts[0] is 2.0 (float)"),
    "type missing": (edited(lambda p: p["model"].pop("type")), "only this model has"),
    "an extra field": (edited(lambda p: p["model"].update(dropout=0.5)), "only the file has"),
    "an architecture nested deeply": (edited(lambda p: p["model"].update(
        nouts=[nested(900), 1])),
        "model.nouts[0] is [[[[[[[[[[[[[["),
    "an architecture a million entries long": (edited(lambda p: p["model"].update(
        nouts=list(range(10 ** 6)))), "model.nouts has 1000000 entries, this model 2"),
    "a repeated key": ('{"format": "autodiff.nn", "format": "autodiff.nn"}', "appears twice"),
    "a repeated weight": (with_first_weight('0.5, "θ0[0,0]": 0.25'), "appears twice"),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_files_raise_value_error_and_leave_the_model_unchanged(tmp_path, kind):
    text, message = HOSTILE[kind]
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    model = nn.MLP(3, [2, 1], seed=5)
    before = model.state_dict()
    with pytest.raises(ValueError, match=re.escape(message)) as raised:
        model.load(path)
    assert str(raised.value).startswith(str(path))
    assert len(str(raised.value)) < 1000 + len(str(path))  # says what, not the whole file
    assert model.state_dict() == before


def test_integer_weights_within_float_range_load_as_floats(tmp_path):
    payload = good_payload()
    names = list(payload["parameters"])
    payload["parameters"][names[0]] = 3
    payload["parameters"][names[1]] = 10 ** 300
    payload["parameters"][names[2]] = -(2 ** 60)
    path = tmp_path / "ints.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    model = nn.MLP(3, [2, 1], seed=5)
    model.load(path)
    state = model.state_dict()
    assert [state[n] for n in names[:3]] == [3.0, 1e300, float(-(2 ** 60))]
    assert all(type(v) is float for v in state.values())


def test_load_state_dict_refuses_a_huge_integer_with_value_error():
    model = nn.MLP(3, [2, 1], seed=5)
    state = model.state_dict()
    state[next(iter(state))] = 10 ** 400
    with pytest.raises(ValueError, match="401 digits"):
        model.load_state_dict(state)


def test_saved_files_are_strict_json(tmp_path, monkeypatch):
    model = constant_model(0.5)
    model.save(tmp_path / "model.json")
    text = (tmp_path / "model.json").read_text(encoding="utf-8")
    json.loads(text, parse_constant=lambda token: pytest.fail(f"{token} in a saved file"))
    dumps, seen = json.dumps, []
    monkeypatch.setattr(json, "dumps", lambda *a, **k: seen.append(k) or dumps(*a, **k))
    model.save(tmp_path / "again.json")
    assert seen and all(k.get("allow_nan") is False for k in seen)
