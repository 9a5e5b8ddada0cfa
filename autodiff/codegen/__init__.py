"""Code written from the op table: symbols, the engine's own operators, compile_grad."""
