"""The benchmark's results as Markdown tables and PNG plots under bench/results/, one module per results file."""
