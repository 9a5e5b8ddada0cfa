"""`fit`: the training loop (forward, engine backward, SGD step) with a progress bar.

One training step is one call of a *gradient step*: a function that, given a batch,
leaves ∂loss/∂p in every parameter's ``.grad`` and returns the loss and the outputs.
``fit`` builds the eager one (:func:`eager_gradient_step`: forward through the scalar
graph, then ``backward()``); for ``compiled=True``, :func:`compiled_gradient_step` takes its
place (the batch's loss compiled to straight-line Python), the rest of the loop unchanged.
"""

from __future__ import annotations

import math
import random
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tqdm.auto import tqdm

from autodiff import Value, compile_graph, enable_grad, gc_paused, no_grad
from autodiff.core.checks import (
    check_callable,
    check_flag,
    check_int,
    check_loss_value,
    check_random_seed,
    is_real,
)

from .layers import _check_input
from .losses import binary_cross_entropy, half_squared_error, mse
from .mlp import MLP
from .optim import SGD

if TYPE_CHECKING:
    import numpy as np

#: ``step(xs, ys) -> (loss, outputs)``: fills every parameter's ``.grad`` for this batch.
GradientStep = Callable[[Sequence[Any], Sequence[Any]], tuple[float, list[Any]]]


@dataclass
class History:
    """What ``fit`` did: ``losses[e]`` is epoch e's mean batch loss (for full-batch
    training, the loss of that epoch's forward pass, taken before its update)."""

    losses: list[float] = field(default_factory=list)
    interrupted: bool = False  # stopped early by Ctrl-C (the weights are kept)
    seconds: float = 0.0

    @property
    def epochs(self) -> int:
        return len(self.losses)

    def __repr__(self) -> str:
        """Counts and the first and last losses; ``.losses`` holds every epoch's."""
        shown = [f"{x:.6g}" for x in self.losses]
        if len(shown) > 4:
            shown = [*shown[:2], "…", *shown[-2:]]
        stopped = ", interrupted" if self.interrupted else ""
        return (f"History({self.epochs} epochs in {self.seconds:.3g} s{stopped}: losses "
                f"[{', '.join(shown)}])")


def eager_gradient_step(model: MLP, loss: Callable[[Any, Any], Any]) -> GradientStep:
    """The engine's way: zero the gradients, run the graph forward, ``backward()``.

    Afterwards ``model.deltas()`` holds this batch's δ (until the next step).
    """
    def step(xs: Sequence[Any], ys: Sequence[Any]) -> tuple[float, list[Any]]:
        model.zero_grad()
        outputs = [model(x) for x in xs]
        value = check_loss_value(loss(outputs, ys), loss)
        value.backward()
        return value.data, [_as_floats(out) for out in outputs]
    return step


#: How the progress bar names the loss it shows, by loss function (else "loss").
LOSS_NAMES: dict[Any, str] = {half_squared_error: "loss Σ½(a−y)²", mse: "loss mean (a−y)²",
                              binary_cross_entropy: "loss BCE"}


def fit(model: MLP, X: Sequence[Any], Y: Sequence[Any], epochs: int, lr: float = 0.1,
        loss: Callable[[Any, Any], Any] = half_squared_error, batch_size: int | None = None,
        *, momentum: float = 0.0, shuffle: bool = True, seed: int | None = None,
        progress: bool = True, on_epoch: Callable[[int, float, np.ndarray], Any] | None = None,
        compiled: bool = False) -> History:
    """Train ``model`` on samples ``X`` with targets ``Y`` by gradient descent; return History.

    ``batch_size=None`` trains full-batch (one step per epoch, samples in order, as the
    seed does); otherwise each epoch takes steps on batches of that size, in an order
    shuffled by ``seed`` when ``shuffle``. The optimiser is ``SGD(model, lr, momentum)``.
    ``on_epoch(epoch, loss, outputs)`` is called after each epoch with the outputs of
    its forward passes in sample order (``n`` floats, or ``n × M(L)`` for several
    outputs); print from it with ``tqdm.write`` to keep the bar intact.

    The bar (tqdm, on stderr; ``progress=False`` hides it) shows the loss, named by its
    formula (``loss Σ½(a−y)²`` for the seed's E). Ctrl-C stops
    after the current step and returns with ``interrupted=True``, keeping the weights
    trained so far; a second Ctrl-C interrupts at once.

    ``compiled=True`` (full batch only) traces the batch's loss once and computes each
    step's gradients with ``autodiff.compile_graph``: the same numbers, much faster, but
    no graph is kept, so ``model.deltas()`` stays empty.

    No silent NaN: every sample is checked before training (a row of ``X`` with the wrong
    length, or a NaN or inf in ``X`` or ``Y``, is a ValueError naming the row), and a step
    whose loss is not finite, or whose update would make a weight inf or NaN, raises
    ``OverflowError`` with the weights left as they were before that step. Eager and
    compiled training check the same things and raise the same errors.

    Each step runs inside :class:`autodiff.gc_paused` (the engine's graphs make no reference
    cycles, so the cyclic garbage collector only costs time while a graph is built);
    ``on_epoch`` and the progress bar run with the collector as it was.

    Examples:
        >>> reference = nn.seed_reference()
        >>> model = nn.MLP.from_weights(reference["initial_theta"])
        >>> history = nn.fit(model, reference["X"], reference["y"], 1000, lr=1.0,
        ...                  progress=False)
        >>> history.epochs, round(history.losses[0], 6), round(history.losses[-1], 6)
        (1000, 0.495187, 0.003805)
        >>> history                                        # doctest: +ELLIPSIS
        History(1000 epochs in ... s: losses [0.495187, 0.494862, …, 0.00381251, 0.00380516])
    """
    import numpy as np

    if not isinstance(model, MLP):
        raise TypeError(f"fit trains an nn.MLP, got {type(model).__name__}")
    n = _check_data(X, Y)
    _check_samples(model, X, Y)
    epochs = check_int(epochs, "epochs", 0)
    if batch_size is not None and check_int(batch_size, "batch_size", 1) > n:
        raise ValueError(f"batch_size must be None or an integer in 1..{n}, got {batch_size!r}")
    check_callable(loss, "loss")
    check_callable(on_epoch, "on_epoch", optional=True)
    for flag, name in ((shuffle, "shuffle"), (progress, "progress"), (compiled, "compiled")):
        check_flag(flag, name)
    check_random_seed(seed)
    optimizer = SGD(model, lr, momentum)
    if compiled and batch_size is not None:
        raise ValueError("compiled=True needs batch_size=None: the full batch is traced once")
    with gc_paused():  # tracing builds the batch's whole graph
        gradient_step = (compiled_gradient_step(model, loss, X, Y) if compiled
                         else eager_gradient_step(model, loss))
    order, rng = list(range(n)), random.Random(seed)
    size = n if batch_size is None else int(batch_size)
    history, stop = History(), _StopOnInterrupt()
    started = time.perf_counter()
    bar = tqdm(total=int(epochs), desc="training", unit="epoch", disable=not progress,
               leave=True, dynamic_ncols=True)
    with stop, bar:
        for epoch in range(int(epochs)):
            if batch_size is not None and shuffle:
                rng.shuffle(order)
            outputs: list[Any] = [None] * n
            batch_losses = []
            for start in range(0, n, size):
                batch = order[start:start + size]
                with gc_paused():
                    value, outs = gradient_step([X[i] for i in batch], [Y[i] for i in batch])
                    _take_step(optimizer, value, epoch, start)
                batch_losses.append(value)
                for i, out in zip(batch, outs, strict=True):
                    outputs[i] = out
                if stop.requested:
                    break
            epoch_loss = math.fsum(batch_losses) / len(batch_losses)
            history.losses.append(epoch_loss)
            bar.set_postfix_str(f"{LOSS_NAMES.get(loss, 'loss')}={epoch_loss:.6g}",
                                refresh=False)
            bar.update(1)
            if on_epoch is not None and not stop.requested:
                on_epoch(epoch, epoch_loss, np.array(outputs, dtype=float))
            if stop.requested:
                history.interrupted = True
                bar.write(f"stopped by Ctrl-C after {epoch + 1} of {epochs} epochs; "
                          f"the weights are kept")
                break
    history.seconds = time.perf_counter() - started
    return history


class _StopOnInterrupt:
    """While active, the first SIGINT only sets ``requested``; the second one raises.

    Signal handlers can only be set from the main thread; elsewhere Ctrl-C behaves
    as usual (KeyboardInterrupt at once).
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> _StopOnInterrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def _check_data(X: Sequence[Any], Y: Sequence[Any]) -> int:
    import numpy as np

    for name, data in (("X", X), ("Y", Y)):
        if isinstance(data, (str, bytes)) or not isinstance(data, (Sequence, np.ndarray)):
            raise TypeError(f"{name} must be a list (or array) of samples, "
                            f"got {type(data).__name__}")
    if len(X) != len(Y):
        raise ValueError(f"X has {len(X)} samples but Y has {len(Y)}")
    if len(X) == 0:
        raise ValueError("fit needs at least one sample")
    return len(X)


def _take_step(optimizer: SGD, loss: float, epoch: int, start: int) -> None:
    """``optimizer.step()``, unless the loss or the update is not finite (OverflowError)."""
    where = f"epoch {epoch}, batch from sample {start}"
    if not math.isfinite(loss):
        raise OverflowError(f"{where}: the loss is {loss!r}; no step was taken (the weights "
                            f"are those before it): lower lr, or scale the data or the loss")
    try:
        optimizer.step()
    except OverflowError as exc:
        raise OverflowError(f"{where}: {exc}") from None


def _check_samples(model: MLP, X: Sequence[Any], Y: Sequence[Any]) -> None:
    """Every row of X is one sample for ``model``; X and Y hold finite numbers only."""
    for i, x in enumerate(X):
        try:
            _check_input(x, model.nin, "MLP")
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"X[{i}]: {exc}") from None
        for j, xj in enumerate(x):
            _check_finite(xj.data if isinstance(xj, Value) else xj, f"X[{i}][{j}]")
    for i, y in enumerate(Y):
        _check_target(y, f"Y[{i}]")


def _check_target(y: Any, where: str) -> None:
    import numpy as np

    stack = [(y, where, 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, Value):
            item = item.data
        if isinstance(item, np.ndarray):
            item = item.tolist()
        if is_real(item):
            _check_finite(item, path)
        elif isinstance(item, Sequence) and not isinstance(item, (str, bytes)):
            if depth >= _MAX_TARGET_DEPTH:
                raise ValueError(f"{where} is nested more than {_MAX_TARGET_DEPTH} lists deep")
            stack.extend((v, f"{path}[{k}]", depth + 1)
                         for k, v in reversed(list(enumerate(item))))
        else:
            raise TypeError(f"{path} must be a number or a list of numbers, got "
                            f"{type(item).__name__}: {item!r}")


_MAX_TARGET_DEPTH = 8  # a target is a number or a list of them (a list that holds itself: no)


def _check_finite(value: Any, where: str) -> None:
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"{where} is an integer of {len(str(value))} digits, too large for "
                         f"a float") from None
    if not math.isfinite(number):
        raise ValueError(f"{where} is {number!r}: training data must be finite (a NaN or inf "
                         f"makes the loss and then every weight NaN); fix or drop that row")


def _as_floats(output: Any) -> Any:
    return output.data if not isinstance(output, list) else [v.data for v in output]


# --- the compiled gradient step (fit(..., compiled=True)) -------------------------------

def compiled_gradient_step(model: MLP, loss: Callable[[Any, Any], Any], X: Sequence[Any],
                           Y: Sequence[Any]) -> Callable[[Sequence[Any], Sequence[Any]],
                                                         tuple[float, list[Any]]]:
    """A gradient step (as ``fit`` uses it) for the full batch ``X, Y``, in this order.

    The graph is traced once with the samples and targets as constants, so the data are
    fixed: ``step(xs, ys)`` takes the same signature as the eager step, but refuses
    (ValueError) anything other than the traced ``X, Y``, rather than silently computing
    the traced batch's gradient for other data. Unlike the eager step it keeps no graph,
    so ``model.deltas()`` is not filled.
    """
    params = model.parameters()
    with no_grad(), enable_grad():  # a private tape: the trace leaves the caller's alone
        outputs = [model(x) for x in X]
        total = check_loss_value(loss(outputs, Y), loss)
        flat = [v for out in outputs for v in (out if isinstance(out, list) else [out])]
        gradient = compile_graph(total, params, aux=flat)
    model.zero_grad()  # the trace's forward calls are not a training step's
    width = len(flat) // len(outputs)
    several = isinstance(outputs[0], list)
    n = len(X)
    traced = {"xs": [_numbers(x) for x in X], "ys": [_numbers(y) for y in Y]}

    def step(xs: Sequence[Any], ys: Sequence[Any]) -> tuple[float, list[Any]]:
        if len(xs) != n or len(ys) != n:
            raise ValueError(f"this compiled step was traced for the full batch of {n} "
                             f"samples, got {len(xs)} samples and {len(ys)} targets")
        for name, given in (("xs", xs), ("ys", ys)):
            for i, (row, expected) in enumerate(zip(given, traced[name], strict=True)):
                if _numbers(row) != expected:
                    raise ValueError(f"{name}[{i}] differs from the traced batch: a compiled "
                                     f"step computes the gradient of the batch it was "
                                     f"traced with only (trace again for other data)")
        value, grads, predictions = gradient(*[p.data for p in params])
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        if several:
            return value, [list(predictions[i:i + width]) for i in range(0, len(flat), width)]
        return value, list(predictions)

    return step


def _numbers(sample: Any) -> tuple[float, ...]:
    """A sample or target as a flat tuple of floats (Values by their data), to compare."""
    import numpy as np

    if isinstance(sample, Value):
        return (sample.data,)
    if isinstance(sample, np.ndarray):
        return tuple(float(v) for v in sample.ravel())
    if isinstance(sample, Sequence) and not isinstance(sample, (str, bytes)):
        return tuple(v for item in sample for v in _numbers(item))
    return (float(sample),)
