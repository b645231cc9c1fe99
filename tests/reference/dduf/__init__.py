"""Tests of weightspec.reference.dduf: reading, validating, writing and loading DDUF archives."""
