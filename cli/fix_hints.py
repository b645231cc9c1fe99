"""How to fix what the common producers of DDUF archives get wrong: one line per requirement ID.

``weightspec validate`` and ``inspect`` show the hint of a finding's requirement under the first
finding of that requirement in each file (and in the JSON field ``hint`` of every finding);
``pack`` shows it under an error. A requirement without an entry here gets no hint: its
message and ``weightspec explain ID`` say what is wrong.
"""

from __future__ import annotations

_REPACK = "or run `weightspec pack FOLDER OUT.dduf`"

HINTS = {
    # Info-ZIP's `zip -r` stores a directory entry ("unet/") before each folder's files.
    "DDUF-NAME-008": f"made by `zip -r`? `zip -0 -r -D OUT.dduf ...` leaves directory entries out, {_REPACK}",
    "DDUF-ENTRY-007": f"made by `zip -r` or `zip -y`? `zip -0 -r -D OUT.dduf ...` stores only files, {_REPACK}",
    # `zip` deflates unless told -0; DDUF entries are stored, so that they can be memory-mapped.
    "DDUF-ENTRY-001": f"made by `zip` without `-0`? `zip -0 -r -D OUT.dduf ...` stores the files, {_REPACK}",
    "DDUF-INDEX-001": (
        "a pipeline has model_index.json at its top: pack the folder that diffusers' save_pretrained "
        "wrote, which holds it (`weightspec pack FOLDER OUT.dduf`)"
    ),
    "DDUF-INDEX-003": (
        'declare the folder in model_index.json, as save_pretrained does ("name": ["library", "Class"]), '
        "or leave the folder out"
    ),
    "DDUF-INDEX-004": (
        "each component folder holds its config: save the component with save_pretrained (config.json; "
        "scheduler_config.json for a scheduler, tokenizer_config.json for a tokenizer)"
    ),
}
