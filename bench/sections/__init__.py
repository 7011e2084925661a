"""The benchmark's sections, one module each, each with `run(ctx)`: bench/__main__.py lists them in the order they
run. A section imports the harness (and the targets, tools and reports it measures or writes), never another
section."""
