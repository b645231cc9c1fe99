"""Tests of weightspec.reference, laid out as its packages are."""
