"""Pictures of a graph: draw, the marks and layout it uses, and step-through frames."""
