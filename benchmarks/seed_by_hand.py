"""The pure-Python limit: the seed's training written by hand as straight-line float code.

This is what a careful person writes for the seed's 3-4-1 network without any engine: the
16 weights in local variables, the inputs folded in (x is 0 or 1, so x·θ is 0 or θ), each
σ written out, and the same arithmetic as the engine in the same order (σ as the op table
computes it, E = Σ ½(a − y)² with ``** 2.0``, sums over the samples last sample first, as
the engine's backward pass sums them). So it lands on the same weights as
``nn.fit(..., compiled=True)`` and the eager engine, bit for bit, and its time is the
floor for any Python that trains this network exactly: `make bench` sets the compiled
training against it.

Names follow the seed: ``θ0_ij`` is θ(0)[i,j], ``θ1_j`` is θ(1)[j,0]; ``a_kj`` is a(1)
unit j for sample k, ``o_k`` is a(2) for sample k, ``d_kj`` and ``do_k`` their δ (as
∂E/∂z), and ``E`` the error of the epoch's forward pass.
"""

from __future__ import annotations

from math import exp


def train_seed_by_hand(theta: list[float], epochs: int) -> tuple[list[float], float]:
    """``epochs`` full-batch steps (learning rate 1) from the 16 weights ``theta`` (Θ0 row
    by row, then Θ1); returns the final weights in that order and the last epoch's E."""
    (θ0_00, θ0_01, θ0_02, θ0_03, θ0_10, θ0_11, θ0_12, θ0_13,
     θ0_20, θ0_21, θ0_22, θ0_23, θ1_0, θ1_1, θ1_2, θ1_3) = theta
    E = 0.0
    for _ in range(epochs):
        # sample 0: x = (0, 0, 1), y = 0; σ(z) = 1/(1 + e^−z), or e^z/(1 + e^z) for z < 0
        z = θ0_20
        a_00 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
        z = θ0_21
        a_01 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
        z = θ0_22
        a_02 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
        z = θ0_23
        a_03 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
        z = θ1_0 * a_00 + θ1_1 * a_01 + θ1_2 * a_02 + θ1_3 * a_03
        o_0 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
        # sample 1: x = (0, 1, 1), y = 1
        z = θ0_10 + θ0_20
        a_10 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
        z = θ0_11 + θ0_21
        a_11 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
        z = θ0_12 + θ0_22
        a_12 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
        z = θ0_13 + θ0_23
        a_13 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
        z = θ1_0 * a_10 + θ1_1 * a_11 + θ1_2 * a_12 + θ1_3 * a_13
        o_1 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
        # sample 2: x = (1, 0, 1), y = 1
        z = θ0_00 + θ0_20
        a_20 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
        z = θ0_01 + θ0_21
        a_21 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
        z = θ0_02 + θ0_22
        a_22 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
        z = θ0_03 + θ0_23
        a_23 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
        z = θ1_0 * a_20 + θ1_1 * a_21 + θ1_2 * a_22 + θ1_3 * a_23
        o_2 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
        # sample 3: x = (1, 1, 1), y = 0
        z = θ0_00 + θ0_10 + θ0_20
        a_30 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
        z = θ0_01 + θ0_11 + θ0_21
        a_31 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
        z = θ0_02 + θ0_12 + θ0_22
        a_32 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
        z = θ0_03 + θ0_13 + θ0_23
        a_33 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
        z = θ1_0 * a_30 + θ1_1 * a_31 + θ1_2 * a_32 + θ1_3 * a_33
        o_3 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
        # the error E = Σ ½(a − y)²
        E = 0.5 * o_0 ** 2.0 + 0.5 * (o_1 - 1.0) ** 2.0 + 0.5 * (o_2 - 1.0) ** 2.0 \
            + 0.5 * o_3 ** 2.0
        # δ of the output unit: ∂E/∂a (a − y, as ½ · 2(a − y)) times σ'(z) = a(1 − a)
        do_0 = 0.5 * (2.0 * o_0) * (o_0 * (1.0 - o_0))
        do_1 = 0.5 * (2.0 * (o_1 - 1.0)) * (o_1 * (1.0 - o_1))
        do_2 = 0.5 * (2.0 * (o_2 - 1.0)) * (o_2 * (1.0 - o_2))
        do_3 = 0.5 * (2.0 * o_3) * (o_3 * (1.0 - o_3))
        # δ of the hidden units: δ(2) θ1_j σ'(z)
        d_00 = do_0 * θ1_0 * (a_00 * (1.0 - a_00))
        d_01 = do_0 * θ1_1 * (a_01 * (1.0 - a_01))
        d_02 = do_0 * θ1_2 * (a_02 * (1.0 - a_02))
        d_03 = do_0 * θ1_3 * (a_03 * (1.0 - a_03))
        d_10 = do_1 * θ1_0 * (a_10 * (1.0 - a_10))
        d_11 = do_1 * θ1_1 * (a_11 * (1.0 - a_11))
        d_12 = do_1 * θ1_2 * (a_12 * (1.0 - a_12))
        d_13 = do_1 * θ1_3 * (a_13 * (1.0 - a_13))
        d_20 = do_2 * θ1_0 * (a_20 * (1.0 - a_20))
        d_21 = do_2 * θ1_1 * (a_21 * (1.0 - a_21))
        d_22 = do_2 * θ1_2 * (a_22 * (1.0 - a_22))
        d_23 = do_2 * θ1_3 * (a_23 * (1.0 - a_23))
        d_30 = do_3 * θ1_0 * (a_30 * (1.0 - a_30))
        d_31 = do_3 * θ1_1 * (a_31 * (1.0 - a_31))
        d_32 = do_3 * θ1_2 * (a_32 * (1.0 - a_32))
        d_33 = do_3 * θ1_3 * (a_33 * (1.0 - a_33))
        # Θ ← Θ − ∂E/∂Θ, with ∂E/∂θ(l)[i,j] = Σ over samples of a(l)_i δ(l+1)_j (x_i is 0 or 1)
        θ1_0 = θ1_0 - (do_3 * a_30 + do_2 * a_20 + do_1 * a_10 + do_0 * a_00)
        θ1_1 = θ1_1 - (do_3 * a_31 + do_2 * a_21 + do_1 * a_11 + do_0 * a_01)
        θ1_2 = θ1_2 - (do_3 * a_32 + do_2 * a_22 + do_1 * a_12 + do_0 * a_02)
        θ1_3 = θ1_3 - (do_3 * a_33 + do_2 * a_23 + do_1 * a_13 + do_0 * a_03)
        θ0_00 = θ0_00 - (d_30 + d_20)
        θ0_01 = θ0_01 - (d_31 + d_21)
        θ0_02 = θ0_02 - (d_32 + d_22)
        θ0_03 = θ0_03 - (d_33 + d_23)
        θ0_10 = θ0_10 - (d_30 + d_10)
        θ0_11 = θ0_11 - (d_31 + d_11)
        θ0_12 = θ0_12 - (d_32 + d_12)
        θ0_13 = θ0_13 - (d_33 + d_13)
        θ0_20 = θ0_20 - (d_30 + d_20 + d_10 + d_00)
        θ0_21 = θ0_21 - (d_31 + d_21 + d_11 + d_01)
        θ0_22 = θ0_22 - (d_32 + d_22 + d_12 + d_02)
        θ0_23 = θ0_23 - (d_33 + d_23 + d_13 + d_03)
    return [θ0_00, θ0_01, θ0_02, θ0_03, θ0_10, θ0_11, θ0_12, θ0_13,
            θ0_20, θ0_21, θ0_22, θ0_23, θ1_0, θ1_1, θ1_2, θ1_3], E
