"""The DDUF entry-name rules, DDUF-NAME-001..010 and DDUF-LIMIT-001: pure functions, no I/O.

Shared by the reader (which checks archives) and the writer (which refuses to produce bad ones).
Each function returns complete ``Finding``s: ``entry`` is the name, ``offset`` the one the caller
passes, where the name's central directory header lies. The reader passes it; the writer passes
none (its findings have ``offset`` None), as it checks a name before the name is in any file.

- ``name_findings``: DDUF-NAME-002..009 and DDUF-LIMIT-001 for one name;
- ``stored_name_findings``: the same for a name as a ZIP header stores it, its bytes and flag
  bit 11, with DDUF-NAME-001 (UTF-8, and the flag set when the name is not ASCII) first;
- ``duplicate_findings``: DDUF-NAME-010 over all names, by ``collision_key``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from ..errors import Finding

ALLOWED_EXTENSIONS = (".json", ".safetensors", ".model", ".txt")
MAX_NAME_BYTES = 512  # DDUF-LIMIT-001

# The rules on one name: those of ``stored_name_findings``. DDUF-NAME-010 is about two names.
_SINGLE_NAME_RULES = frozenset({*(f"DDUF-NAME-{number:03d}" for number in range(1, 10)), "DDUF-LIMIT-001"})

_CONTROL_CHARACTERS = frozenset(chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)))

# The common case, in one regex match: at most MAX_NAME_BYTES // 4 characters (4: the most bytes
# a character takes in UTF-8), an optional folder that is not "." or "..", then a file name with
# an allowed extension, no separator, colon, backslash or control character anywhere. A name it
# matches breaks no rule (``name_findings`` returns []); every other name goes through the
# rule-by-rule checks. The reader calls it inline, once per entry: a Python call per name cost a
# sixth of read_dduf_file's time on 20,000 entries.
_SEGMENT_CHARACTER = r"[^\x00-\x1f\x7f-\x9f\\:/]"
is_good_name = re.compile(
    rf"(?=.{{1,{MAX_NAME_BYTES // 4}}}\Z)"
    rf"(?:(?!\.\.?/){_SEGMENT_CHARACTER}+/)?{_SEGMENT_CHARACTER}*\.(?:json|safetensors|model|txt)"
).fullmatch


def name_findings(name: str, *, path: str, offset: int | None = None) -> list[Finding]:
    """Every name rule ``name`` breaks, most specific first; [] for a good name.

    Each finding names ``path``, ``name`` and ``offset`` (where the name's header lies in ``path``).
    """
    if is_good_name(name):
        return []

    def finding(requirement: str, message: str) -> Finding:
        return Finding(requirement=requirement, path=path, entry=name, message=message, offset=offset)

    found = []
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        found.append(finding("DDUF-LIMIT-001", f"entry name is longer than {MAX_NAME_BYTES} bytes"))
    if any(c in _CONTROL_CHARACTERS for c in name):
        found.append(finding("DDUF-NAME-005", "entry name contains NUL or a control character"))
    if "\\" in name:
        found.append(finding("DDUF-NAME-004", "entry name contains a backslash; use '/' as separator"))
    if ":" in name:
        found.append(
            finding("DDUF-NAME-006", "entry name contains ':' (drive letter or alternate data stream)")
        )
    if name.endswith("/"):
        found.append(
            finding("DDUF-NAME-008", "directory entries are not allowed; folders are implied by names")
        )
        return found
    segments = name.split("/")
    if name == "" or name.startswith("/") or "" in segments:
        found.append(finding("DDUF-NAME-002", "entry name is empty, absolute or has an empty segment"))
    if any(segment in (".", "..") for segment in segments):
        found.append(finding("DDUF-NAME-003", "entry name has a '.' or '..' segment (path traversal)"))
    if len(segments) > 2:
        found.append(finding("DDUF-NAME-009", "entry lies more than one folder deep"))
    if not segments[-1].endswith(ALLOWED_EXTENSIONS):
        allowed = ", ".join(ALLOWED_EXTENSIONS)
        found.append(finding("DDUF-NAME-007", f"file type not allowed (allowed: {allowed})"))
    return found


def stored_name_findings(
    raw: bytes, *, utf8_flag: bool, path: str, offset: int | None = None
) -> list[Finding]:
    """Every name rule broken by the name whose bytes are ``raw``, in a header at ``offset`` whose
    flag bit 11 (UTF-8) is ``utf8_flag``; [] for a good name.

    A name that is not UTF-8 gets DDUF-NAME-001 alone, its ``entry`` showing the bad bytes as
    ``\\xNN``: the other rules would judge those stand-ins rather than the name.
    """
    if raw.isascii():
        return name_findings(raw.decode("ascii"), path=path, offset=offset)
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        entry = raw.decode("utf-8", "backslashreplace")
        return [Finding("DDUF-NAME-001", path, "the name is not valid UTF-8", entry=entry, offset=offset)]
    found = []
    if not utf8_flag:
        message = "the name is not ASCII but flag bit 11 (UTF-8) is clear"
        found.append(Finding("DDUF-NAME-001", path, message, entry=name, offset=offset))
    return found + name_findings(name, path=path, offset=offset)


def breaks_a_name_rule(finding: Finding) -> bool:
    """Whether ``finding`` says that one name breaks a name rule (DDUF-NAME-001..009, DDUF-LIMIT-001).

    Such a name is not judged further as a path: a folder it seems to lie in (``..`` for
    ``../evil.json``) is no folder of the pipeline, so the structure rules do not look at it.
    """
    return finding.requirement in _SINGLE_NAME_RULES


def collision_key(name: str) -> str:
    """Two names collide (DDUF-NAME-010) when their keys are equal: Unicode's canonical caseless
    match, NFD(casefold(NFD(name))).

    The second NFD matters: case folding can leave a string unnormalised (U+017F U+0323 folds to
    s U+0323, U+1E62 to U+1E63), so NFC then casefold lets such pairs through.
    """
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", name).casefold())


def duplicate_findings(
    names: Sequence[str], *, path: str, offsets: Sequence[int] | None = None
) -> list[Finding]:
    """DDUF-NAME-010: one finding for each name equal to an earlier one, exactly or caselessly
    (``collision_key``).

    ``offsets[i]``, when given, is where the header of ``names[i]`` lies: the offset of the
    finding about that name.
    """
    # The common case in one pass: no two keys equal (casefold is lower for ASCII, NFD a no-op).
    keys = [name.lower() if name.isascii() else collision_key(name) for name in names]
    if len(set(keys)) == len(keys):
        return []
    seen: dict[str, str] = {}
    found = []
    for index, (name, key) in enumerate(zip(names, keys, strict=True)):
        if key in seen:
            earlier = seen[key]
            how = (
                "is a duplicate"
                if earlier == name
                else f"collides with {earlier!r} (case or Unicode normalisation)"
            )
            offset = None if offsets is None else offsets[index]
            found.append(Finding("DDUF-NAME-010", path, f"entry name {how}", entry=name, offset=offset))
        else:
            seen[key] = name
    return found
