"""Write ``examples/tiny-pipeline/``: a small folder shaped like a diffusers pipeline.

The folder is what ``weightspec pack`` turns into a DDUF archive in the README::

    tiny-pipeline/
    ├── model_index.json                 pipeline class and its three components
    ├── scheduler/scheduler_config.json  a DDIMScheduler configuration
    ├── text_encoder/config.json         a one-layer CLIP text encoder, hidden size 8
    ├── text_encoder/model.safetensors   its weights (20 float32 tensors, 7 KB)
    ├── tokenizer/tokenizer_config.json  a byte-pair tokenizer with a 58-token vocabulary
    ├── tokenizer/special_tokens_map.json
    ├── tokenizer/vocab.json
    └── tokenizer/merges.txt

It has the file layout and tensor names of a real pipeline, but its numbers are made up: the
weights are a fixed arithmetic pattern, not a trained model. The output is deterministic (no
random numbers, no timestamps), so running this script again reproduces the committed files
byte for byte; ``tests/cli/test_example.py`` checks that.

Usage: ``python examples/make_tiny_pipeline.py [OUTPUT_FOLDER]`` (default: the ``tiny-pipeline``
folder next to this script).
"""

from __future__ import annotations

import json
import string
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

HIDDEN = 8
INTERMEDIATE = 16
MAX_POSITIONS = 16
SPECIAL_TOKENS = ("<|startoftext|>", "<|endoftext|>")
MERGES = (("c", "a"), ("ca", "t</w>"), ("d", "o"), ("do", "g</w>"))


def vocabulary() -> dict[str, int]:
    """Special tokens, every lower-case letter alone and word-final, then the merge results."""
    letters = list(string.ascii_lowercase)
    tokens = [*SPECIAL_TOKENS, *letters, *(f"{letter}</w>" for letter in letters)]
    tokens += ["".join(pair) for pair in MERGES]
    return {token: token_id for token_id, token in enumerate(tokens)}


def pattern(*shape: int) -> torch.Tensor:
    """A deterministic tensor with values in [-0.5, 0.5): the fractional parts of multiples of 1/phi."""
    count = 1
    for size in shape:
        count *= size
    values = torch.arange(count, dtype=torch.float64).mul(0.6180339887498949).remainder(1.0).sub(0.5)
    return values.to(torch.float32).reshape(shape)


def text_encoder_weights(vocab_size: int) -> dict[str, torch.Tensor]:
    """The state dict of a one-layer ``CLIPTextModel`` (tensor names as transformers saves them)."""
    layer = "text_model.encoder.layers.0"
    weights = {
        "text_model.embeddings.token_embedding.weight": pattern(vocab_size, HIDDEN),
        "text_model.embeddings.position_embedding.weight": pattern(MAX_POSITIONS, HIDDEN),
        "text_model.final_layer_norm.weight": torch.ones(HIDDEN),
        "text_model.final_layer_norm.bias": torch.zeros(HIDDEN),
        f"{layer}.mlp.fc1.weight": pattern(INTERMEDIATE, HIDDEN),
        f"{layer}.mlp.fc1.bias": torch.zeros(INTERMEDIATE),
        f"{layer}.mlp.fc2.weight": pattern(HIDDEN, INTERMEDIATE),
        f"{layer}.mlp.fc2.bias": torch.zeros(HIDDEN),
    }
    for norm in ("layer_norm1", "layer_norm2"):
        weights[f"{layer}.{norm}.weight"] = torch.ones(HIDDEN)
        weights[f"{layer}.{norm}.bias"] = torch.zeros(HIDDEN)
    for projection in ("q_proj", "k_proj", "v_proj", "out_proj"):
        weights[f"{layer}.self_attn.{projection}.weight"] = pattern(HIDDEN, HIDDEN)
        weights[f"{layer}.self_attn.{projection}.bias"] = torch.zeros(HIDDEN)
    return weights


def json_files(vocab: dict[str, int]) -> dict[str, object]:
    """Every JSON file of the folder, by its path relative to the folder."""
    bos, eos = SPECIAL_TOKENS
    return {
        "model_index.json": {
            "_class_name": "TinyTextToImagePipeline",
            "_diffusers_version": "0.32.0",
            "scheduler": ["diffusers", "DDIMScheduler"],
            "text_encoder": ["transformers", "CLIPTextModel"],
            "tokenizer": ["transformers", "CLIPTokenizer"],
        },
        "scheduler/scheduler_config.json": {
            "_class_name": "DDIMScheduler",
            "_diffusers_version": "0.32.0",
            "beta_end": 0.012,
            "beta_schedule": "scaled_linear",
            "beta_start": 0.00085,
            "clip_sample": False,
            "num_train_timesteps": 1000,
            "prediction_type": "epsilon",
            "set_alpha_to_one": False,
            "steps_offset": 1,
        },
        "text_encoder/config.json": {
            "architectures": ["CLIPTextModel"],
            "model_type": "clip_text_model",
            "hidden_act": "quick_gelu",
            "hidden_size": HIDDEN,
            "intermediate_size": INTERMEDIATE,
            "layer_norm_eps": 1e-05,
            "max_position_embeddings": MAX_POSITIONS,
            "num_attention_heads": 2,
            "num_hidden_layers": 1,
            "projection_dim": HIDDEN,
            "vocab_size": len(vocab),
            "bos_token_id": vocab[bos],
            "eos_token_id": vocab[eos],
            "pad_token_id": vocab[eos],
            "torch_dtype": "float32",
        },
        "tokenizer/tokenizer_config.json": {
            "tokenizer_class": "CLIPTokenizer",
            "model_max_length": MAX_POSITIONS,
            "bos_token": bos,
            "eos_token": eos,
            "pad_token": eos,
            "unk_token": eos,
            "do_lower_case": True,
        },
        "tokenizer/special_tokens_map.json": {
            "bos_token": bos,
            "eos_token": eos,
            "pad_token": eos,
            "unk_token": eos,
        },
        "tokenizer/vocab.json": vocab,
    }


def write_tiny_pipeline(folder: Path) -> None:
    """Write the example pipeline into ``folder`` (created if needed; existing files are replaced)."""
    vocab = vocabulary()
    for relative, value in json_files(vocab).items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    merges = "".join(f"{left} {right}\n" for left, right in MERGES)
    (folder / "tokenizer" / "merges.txt").write_text("#version: 0.2\n" + merges, encoding="utf-8")
    save_file(
        text_encoder_weights(len(vocab)),
        str(folder / "text_encoder" / "model.safetensors"),
        metadata={"format": "pt"},
    )


if __name__ == "__main__":
    default_folder = Path(__file__).resolve().parent / "tiny-pipeline"
    write_tiny_pipeline(Path(sys.argv[1]) if len(sys.argv) > 1 else default_folder)
