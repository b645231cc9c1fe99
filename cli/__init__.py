"""weightspec.cli: the ``weightspec`` command (validate, inspect, pack)."""
