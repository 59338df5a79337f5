"""Write instruments back to tidy YAML (the format :func:`load_instrument` reads).

Used by ``leadership-eval import`` to turn an XLSForm or a REDCap dictionary into an
instrument file a person can read, review and keep under version control.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..instruments.models import Instrument

__all__ = ["dump_instrument"]


class _FlowMap(dict[str, Any]):
    """A mapping written on one line (``{code: 1, label: Agree}``)."""


class _FlowList(list[Any]):
    """A list written on one line (``[O1, O2]``)."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # indent block sequences under their key, as people write them
        super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value and not any(line != line.rstrip() for line in value.splitlines()):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_str(value)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(
    _FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True)
)
_Dumper.add_representer(
    _FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)

_FIRST = ("kind", "id", "version", "title")


def _scalar(x: Any) -> bool:
    return x is None or isinstance(x, str | int | float | bool)


def _style(value: Any, key: str = "") -> Any:
    if key in ("min", "max") and isinstance(value, float) and value.is_integer():
        return int(value)  # a bound of 0.0 reads better as 0 (the model stores a float)
    if isinstance(value, dict):
        flat = all(
            _scalar(v) or (isinstance(v, dict) and all(map(_scalar, v.values())))
            for v in value.values()
        )
        if (key in ("options", "missing") or ("code" in value and "label" in value)) and flat:
            return _FlowMap({k: _flow_inner(v) for k, v in value.items()})
        if value and all(_scalar(v) for v in value.values()) and key in ("title", "text", "label"):
            return _FlowMap(value)
        return {k: _style(v, k) for k, v in value.items()}
    if isinstance(value, list):
        if all(_scalar(v) for v in value) and not any(
            isinstance(v, str) and len(v) > 40 for v in value
        ):
            return _FlowList(value)
        return [_style(v, key) for v in value]
    return value


def _flow_inner(value: Any) -> Any:
    return _FlowMap(value) if isinstance(value, dict) else value


def dump_instrument(model: Instrument) -> str:
    """An instrument as tidy YAML that :func:`~leadership_eval.instruments.loader.loads_instrument`
    reads back to an equal model.

    Keys come in the models' order (``kind``, ``id``, ``version``, ``title`` first); fields at
    their default value are left out; response options and short lists are written on one
    line (flow style); long text with line breaks as ``|`` blocks.

    Parameters
    ----------
    model : Survey, InterviewGuide, Codebook, Guidance or Evaluation

    Returns
    -------
    str

    Examples
    --------
    >>> from leadership_eval.instruments.loader import loads_instrument
    >>> s = loads_instrument('''
    ... kind: survey
    ... id: tiny
    ... version: 1.0.0
    ... title: A tiny survey
    ... choice_lists:
    ...   yn: {options: [{code: 1, label: "Yes"}, {code: 0, label: "No"}]}
    ... sections:
    ...   - id: main
    ...     title: Main
    ...     items:
    ...       - {id: met, type: choice, choices: yn, text: Have you met your mentor?}
    ... ''')
    >>> print(dump_instrument(s))
    kind: survey
    id: tiny
    version: 1.0.0
    title: A tiny survey
    choice_lists:
      yn:
        options:
          - {code: 1, label: 'Yes'}
          - {code: 0, label: 'No'}
    sections:
      - id: main
        title: Main
        items:
          - id: met
            type: choice
            text: Have you met your mentor?
            choices: yn
    <BLANKLINE>
    >>> loads_instrument(dump_instrument(s)) == s
    True
    """
    from ..instruments.models import Codebook, Evaluation, Guidance, InterviewGuide, Survey

    if not isinstance(model, Survey | InterviewGuide | Codebook | Guidance | Evaluation):
        from ..errors import ArgumentError

        hint = (
            f"; load it first: le.load_instrument({str(model)!r})" if isinstance(model, str) else ""
        )
        raise ArgumentError(f"expected an instrument, not {type(model).__name__}{hint}")
    data = model.model_dump(mode="json", exclude_defaults=True)
    ordered: dict[str, Any] = {"kind": model.kind}
    for key in _FIRST[1:]:
        if key in data:
            ordered[key] = data[key]
    for key, value in data.items():
        if key not in ordered:
            ordered[key] = value
    styled = {k: _style(v, k) for k, v in ordered.items()}
    return yaml.dump(
        styled,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
