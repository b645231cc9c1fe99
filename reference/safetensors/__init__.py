"""safetensors files: the header's rules, and the torch dtypes of its tensors (spec/safetensors.md)."""
