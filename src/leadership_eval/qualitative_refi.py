"""Deprecated alias of :mod:`leadership_eval.qualitative.refi` (kept for one release)."""

from .qualitative.refi import (
    CODEBOOK_NS,
    PROJECT_NS,
    code_guid,
    codebook_from_qdc,
    codebook_to_qdc,
    read_qdpx,
    write_qdpx,
)

__all__ = [
    "CODEBOOK_NS",
    "PROJECT_NS",
    "code_guid",
    "codebook_from_qdc",
    "codebook_to_qdc",
    "read_qdpx",
    "write_qdpx",
]
