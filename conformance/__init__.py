"""weightspec.conformance: cases as data, run against any implementation."""
