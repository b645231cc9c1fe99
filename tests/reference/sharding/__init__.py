"""Tests of weightspec.reference.sharding: split, save, load and validate checkpoints."""
