"""DDUF archives: read, validate, write and load them (spec/dduf.md); the ZIP layer is in ``zip/``."""
