"""Sharded checkpoints: split, save, load and validate (spec/sharding.md)."""
