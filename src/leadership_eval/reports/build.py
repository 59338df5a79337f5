"""Per-trust mentor reports and the regional report, with disclosure control by construction.

:func:`build_reports` runs the pipeline in three stages:

1. **analyse** (:mod:`~leadership_eval.reports.analyse`): validate the responses against the
   survey, redact free text, group respondents (trusts below ``policy.min_group`` pooled), score
   the scales, compare every trust with the rest of the region;
2. **publish** (:mod:`~leadership_eval.reports.publish`): every number that will leave the
   process passes disclosure control once, into a frozen
   :class:`~leadership_eval.reports.publish.Publication`: small counts suppressed with their
   complements (all trusts and the region in one table per question), counts perturbed with
   the cell-key method, percentages coarse, means perturbed and rounded, the dominance rule,
   reviewed comments only, quotes attributed by role only where enough people of that role took
   part;
3. **render** (:mod:`~leadership_eval.reports.render`): the HTML is made from the publication
   alone.

The published folder (``out_dir``) holds the reports and a plain page on how the numbers were
protected; the per-cell disclosure log (which cell was suppressed and why) and the report key
are the analyst's and are written to a separate folder that never goes to mentors.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._version import __version__
from ..errors import (
    ArgumentError,
    ConfigurationError,
    DataError,
    DisclosureError,
    LeadershipEvalError,
    NotATableError,
)
from ..instruments.models import Survey
from ..policy import DisclosurePolicy
from .analyse import OTHER, analyse
from .publish import Publication, publish
from .render import render_protection, render_regional, render_trust

if TYPE_CHECKING:  # pragma: no cover
    from .._processes import Forked
    from ..responses import ReadResponses

__all__ = ["OTHER", "ReportSet", "build_reports", "publish_wave"]

KEY_FILE = "report.key"
"""The report key's file name in the analyst's folder (created on the first run)."""


@dataclass(frozen=True)
class ReportSet:
    """What :func:`build_reports` wrote.

    Attributes
    ----------
    out_dir : pathlib.Path
        The published folder: the reports and the page on how the numbers were protected.
    trust_reports : dict
        Group code -> path of that group's report (only groups with enough respondents); one
        distinct file per code.
    regional_report : pathlib.Path
        The regional report.
    disclosure_log : pathlib.Path
        The analyst's log of every disclosure-control decision (JSON), in ``analyst_dir``.
    not_reported : list of str
        Groups that got no report because they had too few respondents.
    log : dict
        The disclosure log's content.
    tables : dict
        Name -> :class:`~leadership_eval.ProtectedTable` of every table of counts the reports
        read from (``responses``, ``item:<id>``, ``scale:<id>``, ``activities...``): the
        suppression patterns, for audit.
    protection_page : pathlib.Path
        The readers' page on how the numbers were protected.
    analyst_dir : pathlib.Path
        The analyst's folder (the log and the report key): never send it with the reports.
    publication : Publication
        Every number the reports show, as published.
    """

    out_dir: Path
    trust_reports: dict[str, Path]
    regional_report: Path
    disclosure_log: Path
    not_reported: list[str]
    log: dict[str, Any] = field(repr=False)
    tables: dict[str, Any] = field(default_factory=dict, repr=False)
    protection_page: Path | None = None
    analyst_dir: Path | None = None
    publication: Publication | None = field(default=None, repr=False)


def _default_analyst_dir(out_dir: Path) -> Path:
    return out_dir.parent / f"{out_dir.name}-analyst"


def _analyst_folder(out: Path, analyst_dir: str | Path | None) -> Path:
    """The analyst's folder (default ``<out>-analyst``), never inside the published one."""
    analyst = Path(analyst_dir) if analyst_dir is not None else _default_analyst_dir(out)
    out_abs, analyst_abs = out.resolve(), analyst.resolve()
    if analyst_abs == out_abs or out_abs in analyst_abs.parents:
        raise ConfigurationError(
            f"the analyst's folder {analyst} is inside the published folder {out}: the "
            "disclosure log and the key must never go out with the reports",
            code="analyst-dir-inside",
        )
    return analyst


def _render_all(
    pub: Publication, heading: str, generated: str, step: Callable[[str], None]
) -> dict[str, str]:
    """Every published page, by file name: a report per trust, the regional report, and the
    page on how the numbers were protected."""
    ctx = {"heading": heading, "generated": generated, "version": __version__}
    files: dict[str, str] = {}
    for g in pub.groups:
        step(f"writing report for {g.label}")
        files[g.file] = render_trust(pub, g.code, **ctx)
    step("writing the regional report")
    files["regional.html"] = render_regional(pub, **ctx)
    files["protection.html"] = render_protection(pub, **ctx)
    return files


def _write_published(files: dict[str, str], out: Path, overwrite: bool) -> None:
    """Write every page or none: into a temporary folder beside ``out``, then moved in (the
    earlier reports replaced only with ``overwrite``)."""
    tmp_parent = out.resolve().parent
    tmp_parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tmp_parent, prefix=".leadership-eval-") as tmp:
        for name, text in files.items():
            (Path(tmp) / name).write_text(text, encoding="utf-8")
        out.mkdir(parents=True, exist_ok=True)
        earlier = [p for p in out.glob("trust-*.html")] + [
            p
            for p in (out / "regional.html", out / "protection.html", out / "disclosure-log.json")
            if p.exists()
        ]
        if earlier and not overwrite:
            raise DataError(f"{out} already holds reports; pass overwrite=True to replace them")
        for p in earlier:
            p.unlink()
        for name in files:
            shutil.move(str(Path(tmp) / name), out / name)


def _write_log(log_doc: dict[str, Any], analyst: Path) -> Path:
    """The analyst's disclosure log, written whole (a temporary file replaced)."""
    analyst.mkdir(parents=True, exist_ok=True)
    log_path = analyst / "disclosure-log.json"
    tmp_log = log_path.with_suffix(".json.tmp")
    tmp_log.write_text(
        json.dumps(log_doc, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    os.replace(tmp_log, log_path)
    return log_path


def _report_key(key: bytes | str | Path | None, analyst_dir: Path) -> tuple[bytes, str]:
    """The report key: given, or the analyst folder's key file (created when absent)."""
    from ..privacy.identifiers import generate_key, resolve_key

    if isinstance(key, bytes | bytearray):
        return resolve_key(bytes(key)), "given"
    if key is not None:
        return resolve_key(key_file=Path(key)), f"file {Path(key)}"
    path = analyst_dir / KEY_FILE
    if not path.exists():
        analyst_dir.mkdir(parents=True, exist_ok=True)
        generate_key(path)
        return resolve_key(key_file=path), f"created {path}"
    return resolve_key(key_file=path), f"file {path}"


def _previous_publication(
    previous: Publication | Callable[[], Publication], an: Any
) -> Callable[[], Publication]:
    """The previous wave's publication when asked for, checked: a Publication made under this
    run's policy (a function is called then, once)."""

    def take() -> Publication:
        got = previous() if callable(previous) else previous
        if not isinstance(got, Publication):
            raise ArgumentError(
                "previous= was a function, which must return the previous wave's Publication "
                f"(from publish_wave); it returned {type(got).__name__}"
            )
        if got.policy != an.policy:
            raise DisclosureError(
                f"the previous wave's publication was made under the policy "
                f"{got.policy.name!r}, not this run's {an.policy.name!r}: publish it again "
                "with this policy (or pass its responses)",
                code="previous-policy",
            )
        an.decide(
            "previous wave",
            "the previous wave's statements, as published with the same protection",
            survey=got.survey_id,
        )
        return got

    return take


def _about_previous(exc: LeadershipEvalError) -> LeadershipEvalError:
    """The error (its class, code and details kept) with a message that says it is about the
    previous wave's responses, not this wave's."""
    message = str(exc.args[0]) if exc.args else str(exc)
    exc.args = (
        f"the previous wave's responses (previous=): {message}; fix them, or pass "
        "previous=None to make the reports without the comparison",
        *exc.args[1:],
    )
    return exc


class _PreviousWave:
    """The previous wave as :func:`build_reports` takes it: a publication (or a function
    returning one), or responses, published when this wave's publication needs them, and made
    meanwhile in a second (forked) process when one is used."""

    def __init__(self, previous: Any, survey: Survey | str | Path, options: dict[str, Any]) -> None:
        self.previous, self.survey, self.options = previous, survey, options
        self.background: Forked[tuple[Publication, int]] | None = None

    def _responses(self) -> bool:
        previous = self.previous
        return (
            previous is not None
            and not callable(previous)
            and not isinstance(previous, Publication)
        )

    def start(
        self,
        parallel: bool | None,
        key: bytes | str | Path | None,
        analyst: Path,
        policy: DisclosurePolicy | str | Path | None,
    ) -> None:
        """Start publishing the responses in a forked process, where one is used."""
        from .._processes import Forked, fork_wanted

        if not self._responses() or not fork_wanted(parallel, "build_reports"):
            return
        if key is None and not (analyst / KEY_FILE).exists():
            return  # the key is made once this wave is analysed, as in one process
        secret, _ = _report_key(key, analyst)
        try:
            self.background = Forked(
                publish_wave, self.survey, self.previous, secret, policy=policy, **self.options
            )
        except OSError:  # no process can be started here (limits, a sandbox): publish it here
            if parallel:
                raise

    def for_publication(
        self, an: Any, secret: bytes, step: Callable[[str], None]
    ) -> Publication | Callable[[], Publication] | None:
        """What :func:`~leadership_eval.reports.publish.publish` takes as ``previous``."""
        previous = self.previous
        if previous is None:
            return None
        if not self._responses():
            # taken when the publication needs it (a function's result may be made meanwhile
            # in another process, while this wave is published)
            return _previous_publication(previous, an)

        def take() -> Publication:
            step("protecting the previous wave")
            try:
                if self.background is not None:
                    got, rows_used = self.background.result()
                else:
                    got, rows_used = publish_wave(
                        self.survey, previous, secret, policy=an.policy, **self.options
                    )
            except LeadershipEvalError as exc:
                raise _about_previous(exc) from None
            an.decide(
                "previous wave",
                "the previous wave's statements are published with the same protection",
                rows_used=rows_used,
            )
            return got

        return take

    def abandon(self) -> None:
        """Give up the second process's work, if it was not taken."""
        if self.background is not None:
            self.background.abandon()


def publish_wave(
    survey: Survey | str | Path,
    responses: pd.DataFrame | ReadResponses,
    secret: bytes,
    *,
    group: str | None = None,
    policy: DisclosurePolicy | str | Path | None = None,
    names: Sequence[str] = (),
    places: Sequence[str] = (),
    details: Mapping[str, str] | str | Path | None = None,
    full: bool = False,
) -> tuple[Publication, int]:
    """A wave's publication on its own, for the reports of a later wave.

    :func:`build_reports` shows the statements asked identically in both waves side by side.
    Given the previous wave's responses it makes this publication itself; a publication made
    here beforehand (with the same key and policy) can be passed as ``previous`` instead, and
    is not made again (the demo makes it in a second process meanwhile).

    The publication holds what a later wave's reports use: the responses table and the
    statements, protected exactly as in the wave's own reports (the same forms, suppression
    and noise). Its scales, free text, tick-box questions and the rest are left out, and not
    computed; ``full=True`` makes every part, as :func:`build_reports` does.

    Parameters
    ----------
    survey : Survey, or a path or bundled id
        The survey the wave answered.
    responses : pandas.DataFrame or ReadResponses
        The wave's responses.
    secret : bytes
        The report key (the same as the later wave's).
    group, policy, names, places, details
        As for :func:`build_reports` (the policy must be the later wave's).
    full : bool
        Publish every part of the wave, not only what a later wave uses.

    Returns
    -------
    (Publication, int)
        The publication, and the number of responses it used.

    Raises
    ------
    ArgumentError
        When ``responses`` is not a frame (or ReadResponses), ``secret`` is not bytes, or
        ``group`` is not a column name.
    """
    _check_wave_arguments(responses, secret, group)
    wave = analyse(
        survey,
        responses,
        group=group,
        policy=policy,
        names=names,
        places=places,
        details=details,
        statements_only=not full,
    )
    pub, _ = publish(wave, secret)
    return pub, len(wave.clean)


def _check_wave_arguments(responses: Any, secret: Any, group: Any) -> None:
    """The arguments of :func:`publish_wave` that its analysis would misread."""
    from ..responses import ReadResponses

    if not isinstance(responses, pd.DataFrame | ReadResponses):
        raise NotATableError(
            "responses must be a pandas DataFrame or what read_responses returned, not "
            f"{type(responses).__name__}"
        )
    if not isinstance(secret, bytes | bytearray):
        hint = (
            " (encode text with .encode(), or read a key file as bytes)"
            if isinstance(secret, str)
            else ""
        )
        raise ArgumentError(
            f"secret must be the report key as bytes (at least 16), not "
            f"{type(secret).__name__}{hint}"
        )
    if group is not None and not isinstance(group, str):
        raise ArgumentError(
            f"group must be the name of the column to group by (str), not {type(group).__name__}"
        )


def build_reports(
    survey: Survey | str | Path,
    responses: pd.DataFrame | ReadResponses,
    out_dir: str | Path,
    *,
    group: str | None = None,
    policy: DisclosurePolicy | str | Path | None = None,
    activity_log: pd.DataFrame | ReadResponses | None = None,
    activity_survey: Survey | str | Path | None = None,
    segments: pd.DataFrame | None = None,
    codebook: Any = None,
    eligible: Mapping[Any, int | None] | pd.Series | None = None,
    names: Sequence[str] = (),
    places: Sequence[str] = (),
    comments: Any = None,
    publish_unreviewed_comments: bool = False,
    key: bytes | str | Path | None = None,
    analyst_dir: str | Path | None = None,
    previous: pd.DataFrame | ReadResponses | Publication | Callable[[], Publication] | None = None,
    previous_survey: Survey | str | Path | None = None,
    previous_label: str = "the previous wave",
    code_trusts: bool = False,
    details: Mapping[str, str] | str | Path | None = None,
    title: str | None = None,
    progress: Callable[[str], None] | None = None,
    overwrite: bool = True,
    parallel: bool | None = None,
) -> ReportSet:
    """Write a report for each trust's mentor, a regional report and the analyst's log.

    Parameters
    ----------
    survey : Survey, or a path or bundled id
        The survey the responses answer (e.g. ``"trainee-survey"``).
    responses : pandas.DataFrame
        Responses in the raw form (as read by :func:`~leadership_eval.read_responses`).
    out_dir : str or pathlib.Path
        The published folder (created; files of an earlier run are replaced when
        ``overwrite``). Nothing is written unless every report was built.
    group : str, optional
        The column that holds each respondent's trust (default: the survey's ``group_by``).
    policy : DisclosurePolicy, preset name or YAML path, optional
        The disclosure policy (default: the strict default; see
        :class:`~leadership_eval.policy.DisclosurePolicy`).
    activity_log : pandas.DataFrame, optional
        Mentor activity log records (the ``mentor-activity-log`` survey), summarised per trust.
    activity_survey : Survey, or a path or bundled id, optional
        The activity log's survey (default: the bundled ``mentor-activity-log``).
    segments : pandas.DataFrame, optional
        Coded interview segments (participant, role, trust, codes, text) for theme summaries.
    codebook : Codebook, or a path or bundled id, optional
        The codebook the segments use (default: the bundled ``clm-codebook``).
    eligible : mapping or pandas.Series, optional
        Group code -> number of people invited, for response rates. A trust whose count is
        missing (None, NaN) gets no rate; a count that is not a whole number of 0 or more, or
        below the trust's responses, is a :class:`DataError`, as are counts none of whose keys
        is a trust code (a :class:`~leadership_eval.errors.DataWarning` names keys that are no
        trust code when others are).
    names, places : sequence of str
        Names and places (staff roster, wards, hospitals) to redact from free text, on top of the
        rule-based detectors.
    comments : CommentReview, pandas.DataFrame, str or pathlib.Path, optional
        The comments approved in review: the result of
        :func:`~leadership_eval.privacy.review.read_comment_review`, its file, or a frame with
        ``group``, ``item`` and ``text``. Approved text is redacted again (an edit may have put
        a name back). Without it no comment is published and the reports say that comments
        await review.
    publish_unreviewed_comments : bool, default False
        Publish the automatically redacted comments without review (for demonstrations).
    key : bytes, str or path, optional
        The report key (bytes, or the path of a key file from ``leadership-eval generate-key``):
        the perturbation's record keys are derived from it. Default: ``report.key`` in the
        analyst's folder, created on the first run. Use the same key for every run and wave.
    analyst_dir : str or pathlib.Path, optional
        Where the analyst's files go (the disclosure log, the key): default ``<out_dir>-analyst``
        beside ``out_dir``. It must not be inside ``out_dir``.
    previous : pandas.DataFrame or Publication, optional
        The previous wave's responses: statements asked identically in both waves (same text,
        same options) are shown side by side, each wave protected like any release (with the
        same key). Or the previous wave's publication, made with the same key and policy by
        :func:`publish_wave` (a different policy is a :class:`DisclosureError`), or a function
        returning it, called once this wave is analysed (so that it can be made meanwhile in
        another process: ``previous=future.result``).
    previous_survey : Survey, or a path or bundled id, optional
        The survey the previous wave answered (default: ``survey``).
    previous_label : str
        How the previous wave is named ("2025", "the baseline survey"...).
    details : mapping or path, optional
        Values of the instrument's placeholders (``mentor_title``...), as a mapping or a file as
        ``leadership-eval export --details`` reads; any placeholder left unfilled is printed as
        a bracketed description (``[mentor title]``).
    code_trusts : bool, default False
        Name trusts by neutral codes (Trust A, Trust B...) in the regional report, as for a
        publication; each mentor's report still names its own trust only.
    title : str, optional
        Title of the evaluation shown on every report.
    progress : callable, optional
        Called with a short description of each step (the CLI drives a progress bar with it).
    overwrite : bool, default True
        Replace report files of an earlier run in ``out_dir``; if False, an ``out_dir`` holding
        reports is an error.
    parallel : bool, optional
        Given the previous wave's responses, publish them in a second (forked) process while
        this wave is analysed. Default: when the platform can fork (Linux), two processors are
        usable and this process runs no other thread; ``True`` whenever the platform can fork
        (a :class:`~leadership_eval.errors.ConfigurationError` where it cannot); ``False``
        never. A report key made by this run (none given, none in the analyst's folder yet) is
        made only once this wave is analysed, and the previous wave then waits for it. With
        an activity log, its tables are protected in another forked process while the rest of
        the publication is made. The reports and the log are the same either way.

    Returns
    -------
    ReportSet
        Paths of what was written, the groups not reported, the log and the publication.

    Raises
    ------
    DataError
        No responses, a group column that does not exist, responses that do not match the
        survey at all, or no group with enough respondents for any report.
    DisclosureError
        A setting that would loosen the policy.
    """
    step = progress or (lambda _msg: None)
    out = Path(out_dir)
    analyst = _analyst_folder(out, analyst_dir)
    wave = _PreviousWave(
        previous,
        previous_survey if previous_survey is not None else survey,
        {"group": group, "names": names, "places": places, "details": details},
    )
    wave.start(parallel, key, analyst, policy)
    try:
        an = analyse(
            survey,
            responses,
            group=group,
            policy=policy,
            activity_log=activity_log,
            activity_survey=activity_survey,
            segments=segments,
            codebook=codebook,
            names=names,
            places=places,
            comments=comments,
            publish_unreviewed_comments=publish_unreviewed_comments,
            details=details,
            progress=step,
        )
        step("protecting every published number")
        secret, key_source = _report_key(key, analyst)
        pub, cells = publish(
            an,
            secret,
            eligible=eligible,
            previous=wave.for_publication(an, secret, step),
            previous_label=previous_label,
            code_trusts=code_trusts,
            codebook=an.codebook,
            parallel=parallel,
        )
    finally:
        wave.abandon()  # ends the second process if this one failed first

    generated = _dt.date.today().isoformat()
    files = _render_all(pub, title or pub.survey_title, generated, step)
    log_doc = {
        "generated": generated,
        "tool": f"leadership-eval {__version__}",
        "survey": {"id": pub.survey_id, "version": pub.survey_version},
        "policy": an.policy.settings(),
        "key": key_source if not key_source.startswith("created") else "created",
        "published_files": sorted(files),
        "decisions": an.decisions,
        "perturbation": cells["perturbation"],
        "cells": cells["cells"],
    }
    _write_published(files, out, overwrite)
    log_path = _write_log(log_doc, analyst)
    step("done")
    return ReportSet(
        out_dir=out,
        trust_reports={g.code: out / g.file for g in pub.groups},
        regional_report=out / "regional.html",
        disclosure_log=log_path,
        not_reported=[str(g) for g in an.small],
        log=log_doc,
        tables=cells["tables"],
        protection_page=out / "protection.html",
        analyst_dir=analyst,
        publication=pub,
    )
