"""The playground's Python side: what the page asks of the project, run in Pyodide."""
