"""Cases for spec/dduf.md section 2, Entries: DDUF-ENTRY-001..007."""

from __future__ import annotations

import hashlib
import zlib

from ..zip_records import (
    FLAG_DATA_DESCRIPTOR,
    FLAG_ENCRYPTED,
    FLAG_STRONG_ENCRYPTION,
    FLAG_UTF8,
    HOST_UNIX,
    METHOD_DEFLATED,
    U32_MAX,
    VERSION_DEFAULT,
    zip64_extra,
)
from .baseline import (
    SCHEDULER_CONFIG,
    TEXT_ENCODER_CONFIG,
    baseline,
    patched,
    reader_case,
    size_patches,
    with_file,
)

SCHEDULER = baseline().entries[1]


def _deflated_same_size() -> tuple[bytes, bytes]:
    """(plain, deflated) with len(plain) == len(deflated): a real DEFLATE entry whose sizes agree,
    so the compression method is the only thing wrong."""
    noise = b"".join(hashlib.sha256(bytes([i])).digest() for i in range(4))
    for repeat in range(256):
        plain = noise + b"a" * repeat
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        deflated = compressor.compress(plain) + compressor.flush()
        if len(deflated) == len(plain):
            return plain, deflated
    raise AssertionError("no DEFLATE stream of the same size as its input was found")


def _deflated_entry() -> bytes:
    plain, deflated = _deflated_same_size()
    return with_file("notes.txt", data=deflated, method=METHOD_DEFLATED, crc32=zlib.crc32(plain)).to_bytes()


# Hosts besides Unix whose external attributes carry a Unix mode, and from which UnZip makes symbolic links.
OTHER_UNIX_MODE_HOSTS = {5: "Atari ST", 16: "BeOS", 19: "OS X", 30: "AtheOS"}


def _unix_file(mode: int, data: bytes = b"/etc/passwd", host: int = HOST_UNIX) -> bytes:
    return with_file(
        "notes.txt", data=data, version_made_by=(host << 8) | VERSION_DEFAULT, external_attributes=mode << 16
    ).to_bytes()


def _symlink_case(host: int, system: str):
    return reader_case(
        f"entry-symlink-host-{host}",
        "DDUF-ENTRY-007",
        f"Entry notes.txt is made by host {host} ({system}) with mode 0o120777: a symbolic link to /etc/passwd.",
        lambda: _unix_file(0o120777, host=host),
    )


def _zip64_sizes_lie(uncompressed: int) -> bytes:
    """Entry a.txt holds 5 bytes; both headers saturate both sizes, and their ZIP64 records say
    ``uncompressed`` and 5: the 32-bit fields agree, the sizes do not."""
    zip64 = zip64_extra(uncompressed, 5)
    spec = with_file("a.txt", data=b"hello", local_extra=zip64, central_extra=zip64)
    return patched(spec, *size_patches("a.txt", U32_MAX))


def _local_zip64_size_differs() -> bytes:
    """The local ZIP64 extra claims one byte more than the central header's (unsaturated) sizes."""
    size = len(SCHEDULER.data)
    spec = baseline().changing(SCHEDULER_CONFIG, local_extra=zip64_extra(size + 1, size + 1))
    return patched(spec, *size_patches(SCHEDULER_CONFIG, U32_MAX, ("local",)))


def _local_name_differs() -> bytes:
    archive = baseline().build()
    name_offset = archive.record_offset("local", TEXT_ENCODER_CONFIG) + 30
    return archive.patched_bytes(name_offset, b"Text_encoder").data


CASES = (
    # DDUF-ENTRY-001: STORED only
    reader_case(
        "entry-method-deflated",
        "DDUF-ENTRY-001",
        "Entry notes.txt is a real DEFLATE stream (method 8) whose compressed and uncompressed sizes are equal.",
        _deflated_entry,
    ),
    # DDUF-ENTRY-002: compressed size equals uncompressed size
    reader_case(
        "entry-sizes-differ",
        "DDUF-ENTRY-002",
        "The scheduler config's uncompressed size is 1 less than its compressed size, in both headers.",
        lambda: baseline().changing(SCHEDULER_CONFIG, uncompressed_size=len(SCHEDULER.data) - 1).to_bytes(),
    ),
    reader_case(
        "entry-zip64-uncompressed-size-zero",
        "DDUF-ENTRY-002",
        "Entry a.txt holds 5 bytes; both headers saturate both sizes and their ZIP64 records give "
        "uncompressed size 0 and compressed size 5.",
        lambda: _zip64_sizes_lie(0),
    ),
    reader_case(
        "entry-zip64-uncompressed-size-huge",
        "DDUF-ENTRY-002",
        "Entry a.txt holds 5 bytes; both headers saturate both sizes and their ZIP64 records give "
        "uncompressed size 2**40 and compressed size 5.",
        lambda: _zip64_sizes_lie(1 << 40),
    ),
    # DDUF-ENTRY-003: not encrypted
    reader_case(
        "entry-encrypted-flag",
        "DDUF-ENTRY-003",
        "The scheduler config has flag bit 0 (encrypted) set in both headers.",
        lambda: baseline().changing(SCHEDULER_CONFIG, flags=FLAG_ENCRYPTED).to_bytes(),
    ),
    reader_case(
        "entry-strong-encryption-flag",
        "DDUF-ENTRY-003",
        "The scheduler config has flag bit 6 (strong encryption) set in both headers.",
        lambda: baseline().changing(SCHEDULER_CONFIG, flags=FLAG_STRONG_ENCRYPTION).to_bytes(),
    ),
    # DDUF-ENTRY-004: no data descriptors
    reader_case(
        "entry-data-descriptor-flag",
        "DDUF-ENTRY-004",
        "The scheduler config has flag bit 3 (data descriptor) set; its headers hold the real sizes and "
        "CRC-32 and no descriptor follows.",
        lambda: baseline().changing(SCHEDULER_CONFIG, flags=FLAG_DATA_DESCRIPTOR).to_bytes(),
    ),
    reader_case(
        "entry-data-descriptor-follows-data",
        "DDUF-ENTRY-004",
        "The scheduler config has flag bit 3 set and a data descriptor (with signature) after its data.",
        lambda: (
            baseline()
            .changing(SCHEDULER_CONFIG, flags=FLAG_DATA_DESCRIPTOR, after_data=SCHEDULER.data_descriptor())
            .to_bytes()
        ),
        also=("DDUF-ZIP-008",),
    ),
    reader_case(
        "entry-unflagged-data-descriptor",
        "DDUF-ENTRY-004",
        "A data descriptor (with signature) follows the scheduler config's data though flag bit 3 is clear.",
        lambda: baseline().changing(SCHEDULER_CONFIG, after_data=SCHEDULER.data_descriptor()).to_bytes(),
        also=("DDUF-ZIP-008",),
    ),
    # DDUF-ENTRY-005: a local header where the directory points
    reader_case(
        "entry-local-signature-wrong",
        "DDUF-ENTRY-005",
        "The text encoder config's local header starts with XX\\x03\\x04 instead of PK\\x03\\x04.",
        lambda: patched(baseline(), ("local", "signature", b"XX\x03\x04", TEXT_ENCODER_CONFIG)),
    ),
    # DDUF-ENTRY-006: local header agrees with central header
    reader_case(
        "entry-local-crc-differs",
        "DDUF-ENTRY-006",
        "The scheduler config's local CRC-32 differs from its central one (the central one is right).",
        lambda: patched(baseline(), ("local", "crc32", zlib.crc32(SCHEDULER.data) ^ 1, SCHEDULER_CONFIG)),
    ),
    reader_case(
        "entry-local-name-differs",
        "DDUF-ENTRY-006",
        "The local header names Text_encoder/config.json, the central header text_encoder/config.json.",
        _local_name_differs,
    ),
    reader_case(
        "entry-local-flags-differ",
        "DDUF-ENTRY-006",
        "The scheduler config's local flags have bit 11 set, its central flags do not.",
        lambda: patched(baseline(), ("local", "flags", FLAG_UTF8, SCHEDULER_CONFIG)),
    ),
    reader_case(
        "entry-local-method-differs",
        "DDUF-ENTRY-006",
        "The scheduler config's local header says method 8 (DEFLATE), its central header method 0.",
        lambda: patched(baseline(), ("local", "method", METHOD_DEFLATED, SCHEDULER_CONFIG)),
        also=("DDUF-ENTRY-001",),
    ),
    reader_case(
        "entry-local-sizes-differ",
        "DDUF-ENTRY-006",
        "The scheduler config's local sizes are both 1 more than its central sizes.",
        lambda: patched(baseline(), *size_patches(SCHEDULER_CONFIG, len(SCHEDULER.data) + 1, ("local",))),
    ),
    reader_case(
        "entry-local-zip64-sizes-differ",
        "DDUF-ENTRY-006",
        "The scheduler config's local ZIP64 extra record gives sizes 1 more than its central header.",
        _local_zip64_size_differs,
    ),
    # DDUF-ENTRY-007: regular files only
    reader_case(
        "entry-dos-directory-attribute",
        "DDUF-ENTRY-007",
        "The scheduler config's external attributes have the MS-DOS directory bit (0x10) set.",
        lambda: baseline().changing(SCHEDULER_CONFIG, external_attributes=0x10).to_bytes(),
    ),
    reader_case(
        "entry-unix-symlink",
        "DDUF-ENTRY-007",
        "Entry notes.txt is made on Unix with mode 0o120777: a symbolic link to /etc/passwd.",
        lambda: _unix_file(0o120777),
    ),
    reader_case(
        "entry-unix-directory-mode",
        "DDUF-ENTRY-007",
        "Entry notes.txt is made on Unix with mode 0o040755: a directory.",
        lambda: _unix_file(0o040755, b""),
    ),
    *(_symlink_case(host, system) for host, system in OTHER_UNIX_MODE_HOSTS.items()),
)
