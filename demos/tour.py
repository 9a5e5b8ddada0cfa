"""A ten-line tour of the engine (the README's): build an expression, run backward, read
the gradients, take a second derivative, check against finite differences, draw the graph."""

# %% The README's tour, line for line (a test keeps the two the same).
import autodiff as ad
from autodiff import Value

a, b = Value(2.0, label="a"), Value(-3.0, label="b")
c = a * b + a.sigmoid()              # a is used twice: both of its edges carry gradient
c.backward()                         # the chain rule, from c back to every node
print(f"c = {c.data:.6f}   dc/da = {a.grad:.6f}   dc/db = {b.grad:.6f}")
print(f"σ''(2) = {ad.grad(ad.grad(lambda x: x.sigmoid()))(2.0):.6f}")
print(ad.gradcheck(lambda a, b: a * b + a.sigmoid(), 2.0, -3.0))
ad.draw(c).render("out/tour", format="svg")  # out/tour.svg: each value and gradient
