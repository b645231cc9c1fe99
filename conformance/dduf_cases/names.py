"""Cases for spec/dduf.md section 3, Entry names (DDUF-NAME-001..010), and DDUF-LIMIT-001 (name length).

Most cases are the baseline plus one entry with a bad name; DDUF-NAME-010 cases add a second
entry whose name collides with another.
"""

from __future__ import annotations

import unicodedata

from ..zip_builder import Entry
from ..zip_records import FLAG_UTF8
from .baseline import (
    INDEX,
    SCHEDULER_CONFIG,
    baseline,
    file_data,
    json_bytes,
    reader_case,
    with_file,
    with_index,
)


def _bad_name(case_id: str, requirement: str, name: str | bytes, description: str, **options):
    """The baseline plus one entry named ``name``."""
    return reader_case(case_id, requirement, description, lambda: with_file(name).to_bytes(), **options)


def _colliding(case_id: str, first: str, second: str, description: str):
    """The baseline plus two root-level entries whose names collide."""
    return reader_case(
        case_id,
        "DDUF-NAME-010",
        description,
        lambda: (
            baseline().adding(Entry(first, file_data(first)), Entry(second, file_data(second))).to_bytes()
        ),
    )


CAFE_NFC = unicodedata.normalize("NFC", "café.txt")
CAFE_NFD = unicodedata.normalize("NFD", "café.txt")

# Equal under NFD(casefold(NFD(x))) but not under NFC then casefold: folding leaves them unnormalised.
CANONICAL_CASELESS_PAIRS = (
    ("name-caseless-long-s-dot", "\u017f\u0323.json", "\u1e62.json", "U+017F U+0323 and U+1E62"),
    ("name-caseless-j-caron", "J\u0323\u030c.json", "\u01f0\u0323.json", "J U+0323 U+030C and U+01F0 U+0323"),
    ("name-caseless-sharp-s-dot", "\u00df\u0323.json", "S\u1e62.json", "U+00DF U+0323 and S U+1E62"),
    (
        "name-caseless-dotted-i",
        "\u0130\u0316.json",
        "i\u0316\u0307.json",
        "U+0130 U+0316 and i U+0316 U+0307",
    ),
)

CASES = (
    # DDUF-NAME-001: UTF-8, and flag bit 11 when not ASCII
    reader_case(
        "name-invalid-utf8",
        "DDUF-NAME-001",
        "An entry name is the Latin-1 bytes caf\\xe9.txt, not valid UTF-8, with flag bit 11 set.",
        lambda: with_file(b"caf\xe9.txt", flags=FLAG_UTF8).to_bytes(),
    ),
    reader_case(
        "name-overlong-utf8-dot-dot",
        "DDUF-NAME-001",
        "An entry name spells ../config.json with overlong UTF-8 encodings of '.' (\\xc0\\xae).",
        lambda: with_file(b"\xc0\xae\xc0\xae/config.json", flags=FLAG_UTF8).to_bytes(),
    ),
    reader_case(
        "name-utf8-surrogate",
        "DDUF-NAME-001",
        "An entry name holds an encoded UTF-16 surrogate (\\xed\\xa0\\x80), which UTF-8 forbids.",
        lambda: with_file(b"notes\xed\xa0\x80.txt", flags=FLAG_UTF8).to_bytes(),
    ),
    reader_case(
        "name-non-ascii-without-utf8-flag",
        "DDUF-NAME-001",
        "Entry café.txt is UTF-8 but flag bit 11 is clear, so APPNOTE readers decode it as CP437.",
        lambda: with_file("café.txt", flags=0).to_bytes(),
    ),
    # DDUF-NAME-002: not empty, not absolute, no empty segment
    _bad_name("name-absolute", "DDUF-NAME-002", "/abs.json", "An entry is named /abs.json (absolute)."),
    _bad_name(
        "name-empty-segment",
        "DDUF-NAME-002",
        "text_encoder//extra.json",
        "An entry is named text_encoder//extra.json (empty segment).",
        also=("DDUF-NAME-009",),
    ),
    _bad_name("name-empty", "DDUF-NAME-002", "", "An entry has an empty name.", also=("DDUF-NAME-007",)),
    # DDUF-NAME-003: no . or .. segment
    _bad_name("name-dot-dot-prefix", "DDUF-NAME-003", "../config.json", "An entry is named ../config.json."),
    _bad_name(
        "name-dot-dot-middle",
        "DDUF-NAME-003",
        "a/../b.json",
        "An entry is named a/../b.json.",
        also=("DDUF-NAME-009",),
    ),
    _bad_name("name-dot-segment", "DDUF-NAME-003", "./notes.txt", "An entry is named ./notes.txt."),
    # DDUF-NAME-004: no backslash
    _bad_name(
        "name-backslash",
        "DDUF-NAME-004",
        "text_encoder\\extra.json",
        "An entry is named text_encoder\\extra.json.",
    ),
    _bad_name(
        "name-backslash-dot-dot",
        "DDUF-NAME-004",
        "..\\notes.txt",
        "An entry is named ..\\notes.txt: a traversal on Windows.",
    ),
    # DDUF-NAME-005: no NUL or control character
    _bad_name("name-nul", "DDUF-NAME-005", "notes\x00.txt", "An entry name contains NUL: notes\\x00.txt."),
    _bad_name("name-newline", "DDUF-NAME-005", "notes\n.txt", "An entry name contains a line feed."),
    _bad_name(
        "name-escape-sequence", "DDUF-NAME-005", "notes\x1b[2J.txt", "An entry name holds an ANSI escape."
    ),
    _bad_name("name-delete", "DDUF-NAME-005", "notes\x7f.txt", "An entry name contains DEL (U+007F)."),
    _bad_name("name-c1-control", "DDUF-NAME-005", "notes\u0085.txt", "An entry name contains NEL (U+0085)."),
    # DDUF-NAME-006: no colon
    _bad_name(
        "name-drive-letter", "DDUF-NAME-006", "C:x.json", "An entry is named C:x.json (drive-relative)."
    ),
    _bad_name(
        "name-alternate-data-stream",
        "DDUF-NAME-006",
        "notes.txt:hidden.txt",
        "An entry is named notes.txt:hidden.txt (an NTFS alternate data stream).",
    ),
    # DDUF-NAME-007: allowed extensions only
    _bad_name("name-extension-gguf", "DDUF-NAME-007", "model.gguf", "An entry is named model.gguf."),
    _bad_name(
        "name-extension-bin",
        "DDUF-NAME-007",
        "text_encoder/pytorch_model.bin",
        "An entry is a pickle: text_encoder/pytorch_model.bin.",
    ),
    _bad_name("name-extension-upper-case", "DDUF-NAME-007", "notes.JSON", "An entry is named notes.JSON."),
    _bad_name("name-no-extension", "DDUF-NAME-007", "README", "An entry is named README (no extension)."),
    _bad_name(
        "name-trailing-dot",
        "DDUF-NAME-007",
        "notes.txt.",
        "An entry is named notes.txt. (Windows drops the dot, making it notes.txt).",
    ),
    # DDUF-NAME-008: no directory entries
    reader_case(
        "name-directory-entry",
        "DDUF-NAME-008",
        "A zero-length directory entry text_encoder/ (its folder is declared and holds a config).",
        lambda: with_file("text_encoder/", data=b"").to_bytes(),
    ),
    reader_case(
        "name-directory-entry-before-files",
        "DDUF-NAME-008",
        "A directory entry vae/ precedes vae/config.json, as zip tools write it; vae is declared.",
        lambda: (
            with_index({**INDEX, "vae": ["diffusers", "AutoencoderKL"]})
            .adding(
                Entry("vae/", b""), Entry("vae/config.json", json_bytes({"_class_name": "AutoencoderKL"}))
            )
            .to_bytes()
        ),
    ),
    # DDUF-NAME-009: at most one folder
    _bad_name(
        "name-two-folders-deep",
        "DDUF-NAME-009",
        "text_encoder/sub/config.json",
        "An entry is named text_encoder/sub/config.json.",
    ),
    _bad_name(
        "name-three-folders-deep",
        "DDUF-NAME-009",
        "text_encoder/a/b/c.json",
        "An entry is named text_encoder/a/b/c.json.",
    ),
    # DDUF-NAME-010: no duplicates, exact or by canonical caseless match, NFD(casefold(NFD(x)))
    reader_case(
        "name-exact-duplicate",
        "DDUF-NAME-010",
        "scheduler/scheduler_config.json appears twice, with different content.",
        lambda: (
            baseline()
            .adding(Entry(SCHEDULER_CONFIG, json_bytes({"_class_name": "DDIMScheduler"})))
            .to_bytes()
        ),
    ),
    reader_case(
        "name-duplicate-model-index",
        "DDUF-NAME-010",
        "model_index.json appears twice; the second declares another pipeline class.",
        lambda: (
            baseline()
            .adding(Entry("model_index.json", json_bytes({**INDEX, "_class_name": "OtherPipeline"})))
            .to_bytes()
        ),
    ),
    _colliding("name-case-duplicate", "A.json", "a.json", "Entries A.json and a.json differ only in case."),
    _colliding(
        "name-nfc-nfd-duplicate",
        CAFE_NFC,
        CAFE_NFD,
        "Entries café.txt (NFC, é as U+00E9) and café.txt (NFD, e + U+0301) are equal after NFC.",
    ),
    _colliding(
        "name-casefold-duplicate",
        "straße.txt",
        "STRASSE.txt",
        "Entries straße.txt and STRASSE.txt are equal after full case folding (ß folds to ss).",
    ),
    *(
        _colliding(
            case_id,
            first,
            second,
            f"Entries {first} and {second} ({code_points}, then .json) are a canonical caseless match, "
            "though they differ after NFC and case folding.",
        )
        for case_id, first, second, code_points in CANONICAL_CASELESS_PAIRS
    ),
    # DDUF-LIMIT-001: names of at most 512 bytes
    _bad_name(
        "name-too-long", "DDUF-LIMIT-001", "n" * 509 + ".txt", "An entry name is 513 ASCII bytes long."
    ),
    _bad_name(
        "name-too-long-in-bytes",
        "DDUF-LIMIT-001",
        "é" * 255 + ".txt",
        "An entry name is 259 characters but 514 UTF-8 bytes long.",
    ),
)
