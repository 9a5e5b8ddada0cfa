"""`fit`: the training loop (forward, engine backward, SGD step) with a progress bar.

One training step is one call of a *gradient step*: a function that, given a batch,
leaves ∂loss/∂p in every parameter's ``.grad`` and returns the loss and the outputs.
``fit`` builds the eager one (:func:`eager_gradient_step`: forward through the scalar
graph, then ``backward()``). For ``compiled=True`` the whole loop is generated instead
(:func:`autodiff.compile_training`), with the eager step for the rare
epoch that has an inf or nan, so that it raises the engine's error.
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

from autodiff import Value, compile_training, enable_grad, gc_paused, no_grad
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

    ``compiled=True`` (full batch only) traces the batch's loss once and runs the
    training as one generated loop of straight-line Python (the gradient and the SGD
    update, the weights in local variables): the same numbers to the last bit, about 20×
    faster for the seed's network, but no graph is kept, so ``model.deltas()`` stays empty.

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
    history, stop = History(), _StopOnInterrupt()
    if compiled:
        with gc_paused():  # tracing builds the batch's whole graph
            run = _compiled_epochs(model, loss, X, Y, optimizer, history.losses, stop)
    else:
        run = _eager_epochs(eager_gradient_step(model, loss), optimizer, X, Y, batch_size,
                            shuffle, seed, history.losses, stop)
    started = time.perf_counter()
    bar = tqdm(total=int(epochs), desc="training", unit="epoch", disable=not progress,
               leave=True, dynamic_ncols=True)
    with stop, bar:
        epoch, chunk = 0, 1
        while epoch < epochs:
            # Compiled epochs run in one call, or in calls of ~0.1 s for the bar; eager
            # ones, and compiled ones with on_epoch, one at a time.
            most = 1 if on_epoch is not None else (chunk if progress else epochs - epoch)
            chunk_started = time.perf_counter()
            done, outputs = run(epoch, min(most, epochs - epoch), on_epoch is not None)
            epoch += done
            chunk = max(1, int(done * _BAR_SECONDS / max(time.perf_counter() - chunk_started,
                                                         1e-9)))
            bar.set_postfix_str(f"{LOSS_NAMES.get(loss, 'loss')}={history.losses[-1]:.6g}",
                                refresh=False)
            bar.update(done)
            if on_epoch is not None and not stop.requested:
                on_epoch(epoch - 1, history.losses[-1], np.array(outputs, dtype=float))
            if stop.requested:
                history.interrupted = True
                bar.write(f"stopped by Ctrl-C after {epoch} of {epochs} epochs; "
                          f"the weights are kept")
                break
    history.seconds = time.perf_counter() - started
    return history


_BAR_SECONDS = 0.1  # compiled training updates the progress bar about this often

#: ``run(epoch, most, outputs) -> (done, outputs)``: trains epochs ``epoch``, ... (at least
#: one, at most ``most``), appending their losses to the history; returns how many it ran
#: and, when asked, the outputs of the last one in sample order.
EpochRunner = Callable[[int, int, bool], tuple[int, list[Any] | None]]


def _eager_epochs(gradient_step: GradientStep, optimizer: SGD, X: Sequence[Any],
                  Y: Sequence[Any], batch_size: int | None, shuffle: bool, seed: int | None,
                  losses: list[float], stop: _StopOnInterrupt) -> EpochRunner:
    """One epoch per call: a step per batch (in an order shuffled by ``seed``)."""
    n = len(X)
    order, rng = list(range(n)), random.Random(seed)
    size = n if batch_size is None else int(batch_size)

    def run(epoch: int, most: int, want_outputs: bool) -> tuple[int, list[Any] | None]:
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
        losses.append(math.fsum(batch_losses) / len(batch_losses))
        return 1, outputs

    return run


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


# --- compiled training (fit(..., compiled=True)) -------------------------------------------

def _compiled_epochs(model: MLP, loss: Callable[[Any, Any], Any], X: Sequence[Any],
                     Y: Sequence[Any], optimizer: SGD, losses: list[float],
                     stop: _StopOnInterrupt) -> EpochRunner:
    """Epochs of the whole batch, many per call, in one generated loop
    (:func:`autodiff.compile_training`: the loss traced once, its gradient
    and ``optimizer``'s update as straight-line Python, the weights in local variables).

    The generated loop stops before an epoch with an inf or nan anywhere (or an error);
    that epoch is then taken on the eager engine, from the weights before it, so it raises
    the engine's error (or takes the step exactly as the engine does), and the loop goes on.
    No graph is kept, so ``model.deltas()`` is not filled.
    """
    params = model.parameters()
    with no_grad(), enable_grad():  # a private tape: the trace leaves the caller's alone
        outputs = [model(x) for x in X]
        total = check_loss_value(loss(outputs, Y), loss)
        flat = [v for out in outputs for v in (out if isinstance(out, list) else [out])]
    model.zero_grad()  # the trace's forward calls are not a training step's
    loops: dict[bool, Any] = {}

    def loop_for(weights: list[float]) -> Any:
        # Without momentum, the sign of a zero gradient only matters for a weight of -0.0
        # (w − lr·(−0.0) is w + 0.0, which is +0.0 there): the loop for that case adds
        # the +0.0 of the eager engine's .grad to each gradient (the other one need not).
        signed = optimizer.momentum != 0.0 or any(
            w == 0.0 and math.copysign(1.0, w) < 0.0 for w in weights)
        if signed not in loops:
            loops[signed] = compile_training(total, params, optimizer.update, aux=flat,
                                             signed_zero_gradients=signed)
        return loops[signed]

    width = len(flat) // len(outputs)
    several = isinstance(outputs[0], list)
    eager = _eager_epochs(eager_gradient_step(model, loss), optimizer, X, Y, None, False, None,
                          losses, stop)

    def run(epoch: int, most: int, want_outputs: bool) -> tuple[int, list[Any] | None]:
        weights, states = [p.data for p in params], optimizer.velocity
        train = loop_for(weights)
        try:
            with gc_paused():
                done, weights, states, grads, aux = train(most, stop, losses, weights, states)
        finally:  # also on a second Ctrl-C: the weights of the last epoch it completed
            for p, w in zip(params, weights, strict=True):
                p.data = w
            optimizer.velocity[:] = states
        if grads is None:  # epoch + done has an inf or nan: the eager engine takes it
            eager_done, outs = eager(epoch + done, 1, want_outputs)
            return done + eager_done, outs
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        if not want_outputs:
            return done, None
        if several:
            return done, [list(aux[i:i + width]) for i in range(0, len(flat), width)]
        return done, list(aux)

    return run
