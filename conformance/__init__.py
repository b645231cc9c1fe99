"""weightspec.conformance: cases as data, run against any implementation.

A case is a DDUF archive built byte by byte (``zip_builder``, ``safetensors_builder``; neither
imports the reference, so the suite can catch a broken reference) plus the requirement IDs it
covers and the verdict it must get (``cases``). ``export_cases(directory)`` writes every case as
``<id>.dduf`` with a ``manifest.json`` so that implementations in other languages can run them.
"""

from .cases import VALID, Case, Verdict, all_cases, case_by_id, export_cases, load_cases

__all__ = ["VALID", "Case", "Verdict", "all_cases", "case_by_id", "export_cases", "load_cases"]
