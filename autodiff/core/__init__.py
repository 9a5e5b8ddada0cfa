"""The engine core: the op table, Value, its generated operators, the tape and backward."""
