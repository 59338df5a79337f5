"""The public API: every exported name resolves, and importing the package stays light."""

from __future__ import annotations

import subprocess
import sys

import leadership_eval as le


def test_every_public_name_resolves() -> None:
    for name in le.__all__:
        assert getattr(le, name) is not None, name


def test_all_is_sorted_and_unique() -> None:
    names = [n for n in le.__all__ if n != "__version__"]
    assert names == sorted(set(names))


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        le.no_such_function  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "no_such_function" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_import_does_not_load_pandas() -> None:
    code = "import sys, leadership_eval; assert 'pandas' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_all_lists_exactly_the_lazy_exports() -> None:
    assert sorted(le.__all__) == sorted(["__version__", *le._EXPORTS])
