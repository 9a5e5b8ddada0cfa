"""A ten-line tour of the engine: build an expression, run backward, read the gradients."""

# %% Build a small expression. Each operation records one node of the graph.
import autodiff as ad
from autodiff import Value

a = Value(2.0, label="a")
b = Value(-3.0, label="b")
c = a * b + a.sigmoid()  # a is used twice: both of its edges carry gradient
c.label = "c"

# %% backward() applies the chain rule from c back to every node.
c.backward()
print(f"c = {c.data:.6f}")
print(f"dc/da = b + σ(a)(1 − σ(a)) = {a.grad:.6f}")
print(f"dc/db = a = {b.grad:.6f}")

# %% The same derivatives as function transforms, and a second derivative.
dc_da = ad.grad(lambda a, b: a * b + a.sigmoid())
print(f"grad(f)(2, -3) = {dc_da(2.0, -3.0):.6f}")
d2 = ad.grad(ad.grad(lambda x: x.sigmoid()))
print(f"σ''(2) = {d2(2.0):.6f}")

# %% And a check against central finite differences.
print(ad.gradcheck(lambda a, b: a * b + a.sigmoid(), 2.0, -3.0))
