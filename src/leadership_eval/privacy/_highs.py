"""Deprecated alias: :class:`LinearAttack` lives in the one HiGHS module, ``_linear``.

Kept for one release for code that imported it from here; import
:class:`leadership_eval.privacy.audit.LinearAttack` instead.
"""

from ._linear import LinearAttack

__all__ = ["LinearAttack"]
