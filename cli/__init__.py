"""weightspec.cli: the ``weightspec`` command (validate, inspect, pack, conformance, explain)."""

# The package's version: pyproject.toml reads it from here, so that `weightspec --version` needs no
# importlib.metadata (which takes longer to import than the rest of the command's start).
__version__ = "0.1.0"
