"""The JSON Schema of the instrument format, for editors and for the docs."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from .models import Codebook, Evaluation, Guidance, InterviewGuide, Survey

__all__ = ["SCHEMA_ID", "json_schema"]

SCHEMA_ID = "https://leadership-eval.readthedocs.io/schema/instrument-v1.json"

_AnyInstrument = Annotated[
    Survey | InterviewGuide | Codebook | Guidance | Evaluation, Field(discriminator="kind")
]


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of instrument files.

    Editors that understand JSON Schema (VS Code's YAML extension, PyCharm) can validate and
    complete instruments as people type, given a first line such as
    ``# yaml-language-server: $schema=instrument.schema.json``.

    Returns
    -------
    dict
        The schema: one of the five kinds, chosen by the ``kind`` field.

    Examples
    --------
    >>> import leadership_eval as le
    >>> schema = le.json_schema()
    >>> sorted(schema["discriminator"]["mapping"])
    ['codebook', 'evaluation', 'guidance', 'interview_guide', 'survey']
    """
    schema = TypeAdapter(_AnyInstrument).json_schema(by_alias=True, mode="validation")
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "leadership-eval instrument (format v1)",
        "description": (
            "A survey, interview guide, codebook, guidance document or evaluation, as read by "
            "leadership_eval.load_instrument."
        ),
        **schema,
    }
    return schema
