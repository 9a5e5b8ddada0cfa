"""Function transforms on the engine: gradients, grad, value_and_grad, gradcheck."""
