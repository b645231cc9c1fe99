"""How each final status of ``results.STATUSES`` looks in a report: one table for every renderer.

``STYLES[status]`` is a ``StatusStyle``: a ``symbol`` (an emoji, for Markdown and HTML), a short
``word`` (what a cell says, so the report reads without colour), a ``short`` word for narrow
terminal columns (capitals for what fails a run), a ``colour`` (a light CSS
background, dark text stays readable on it) and ``ansi`` (the SGR parameters of a terminal colour,
as in ``"\\x1b[" + ansi + "m"``). ``label(status)`` is the symbol and the word together.
Both raise ``KeyError`` naming an unknown status.
"""

from __future__ import annotations

from dataclasses import dataclass

from .results import ERROR, EXPECTED_FAIL, FAIL, NOT_APPLICABLE, PASS, STATUSES, UNEXPECTED_PASS


@dataclass(frozen=True)
class StatusStyle:
    status: str
    symbol: str
    word: str
    short: str
    colour: str
    ansi: str


STYLES = {  # in STATUSES order
    style.status: style
    for style in (
        StatusStyle(PASS, "✅", "pass", "pass", "#d8f5dd", "32"),
        StatusStyle(FAIL, "❌", "fail", "FAIL", "#ffd7d5", "31"),
        StatusStyle(ERROR, "⚠️", "error", "ERROR", "#ffe2b8", "1;33"),
        StatusStyle(EXPECTED_FAIL, "🟡", "expected fail", "xfail", "#fff5b8", "33"),
        StatusStyle(UNEXPECTED_PASS, "❗", "unexpected pass", "XPASS", "#f3d9ff", "1;35"),
        StatusStyle(NOT_APPLICABLE, "—", "n/a", "n/a", "#eceff3", "2"),
    )
}


def style(status: str) -> StatusStyle:
    try:
        return STYLES[status]
    except KeyError:
        raise KeyError(f"unknown status {status!r}; expected one of {STATUSES}") from None


def label(status: str) -> str:
    """``"✅ pass"``: the symbol and the word of a status."""
    chosen = style(status)
    return f"{chosen.symbol} {chosen.word}"
