"""Tests of weightspec.reference.safetensors: the header rules."""
