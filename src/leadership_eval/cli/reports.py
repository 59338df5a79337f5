"""Commands that write reports: ``report`` and ``demo``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ._common import (
    fail,
    friendly_errors,
    input_file,
    out,
    output_folder,
    print_validation,
    read_lines,
    read_text,
    strict_stop,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def register(app: typer.Typer) -> None:
    """Add the report commands to ``app``."""
    app.command("report")(report)
    app.command("demo")(demo)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str], None]]:
    if not enabled:
        yield lambda _msg: None
        return
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=None)

        def step(message: str) -> None:
            bar.update(task, description=message, advance=1)

        yield step


def report(
    survey: Annotated[str, typer.Argument(help="Survey: a bundled id or a path to a YAML file.")],
    responses: Annotated[
        Path, typer.Argument(help="Responses: CSV, XLSX, SPSS .sav, REDCap or ODK/Kobo export.")
    ],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the reports to.")],
    group: Annotated[
        str | None,
        typer.Option(help="Column holding each respondent's trust (default: the survey's)."),
    ] = None,
    policy: Annotated[
        str | None,
        typer.Option(help="Disclosure policy: default, gmc-nts, nhs-hes, or a YAML file."),
    ] = None,
    source: Annotated[
        str | None, typer.Option(help="Export format, when the file name does not tell.")
    ] = None,
    activity_log: Annotated[
        Path | None, typer.Option(help="Mentor activity log (CSV) to summarise per trust.")
    ] = None,
    segments: Annotated[
        Path | None, typer.Option(help="Coded interview segments (CSV) for theme summaries.")
    ] = None,
    names: Annotated[
        Path | None, typer.Option(help="File of names (one a line) to redact from free text.")
    ] = None,
    places: Annotated[
        Path | None, typer.Option(help="File of places (wards, hospitals) to redact.")
    ] = None,
    comments: Annotated[
        Path | None,
        typer.Option(
            help="The reviewed comments file (from `comments export`, with decisions filled "
            "in): only comments marked publish or edit are published."
        ),
    ] = None,
    publish_unreviewed_comments: Annotated[
        bool,
        typer.Option(
            "--publish-unreviewed-comments",
            help="Publish comments redacted automatically but not reviewed (demonstrations).",
        ),
    ] = False,
    key_file: Annotated[
        Path | None,
        typer.Option(
            help="Report key file (from generate-key); default: report.key in the analyst's "
            "folder, created on the first run. Use the same key for every run and wave."
        ),
    ] = None,
    analyst_dir: Annotated[
        Path | None,
        typer.Option(
            help="Folder for the analyst's disclosure log and key (default: OUT-analyst "
            "beside OUT). Never send it with the reports."
        ),
    ] = None,
    eligible: Annotated[
        Path | None,
        typer.Option(
            help="CSV of the people invited per trust (columns: the trust column and a count "
            "column, e.g. trust,eligible), for response rates with their denominators."
        ),
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option(
            help="The previous wave's responses: statements asked identically are shown "
            "beside this wave's."
        ),
    ] = None,
    previous_survey: Annotated[
        str | None,
        typer.Option(help="The survey the previous wave answered (default: SURVEY)."),
    ] = None,
    previous_label: Annotated[
        str, typer.Option(help="How the previous wave is named in the reports, e.g. 2025.")
    ] = "the previous wave",
    details: Annotated[
        Path | None,
        typer.Option(
            help="File of the instrument's placeholder values (as for `export --details`), "
            "e.g. what the mentor is called locally."
        ),
    ] = None,
    code_trusts: Annotated[
        bool,
        typer.Option(
            "--code-trusts",
            help="Name trusts by neutral codes (Trust A, B...) in the regional report.",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Stop (exit 1) before writing anything if validation finds any problem.",
        ),
    ] = False,
) -> None:
    """Write a report per trust for its mentor, a regional report, and the analyst's log.

    Responses are validated and scored, free text redacted, each trust compared with the rest
    of the region, and every published number protected (small counts suppressed with their
    complements, counts perturbed, percentages coarse). Trusts below the policy's minimum get
    no report. The published folder holds the reports and a page on how the numbers were
    protected; the per-cell disclosure log and the report key go to the analyst's folder.
    A short validation summary is printed (rows used and excluded with reasons, values set
    aside, labels read as codes), and every problem with its row is written to
    validation-problems.csv in the analyst's folder; with --strict any problem stops the
    command before anything is written. Nothing is written if any step fails.
    """
    _check_paths(out_dir, analyst_dir, previous, previous_survey)
    with friendly_errors():
        from .._processes import can_fork
        from ..instruments.loader import as_survey
        from ..reports.build import build_reports
        from ..responses import read_responses

        model = as_survey(survey)
        if not responses.is_file():
            fail(f"{responses}: no such file", 2)
        data = read_responses(responses, model, source=source)
        from ..responses import validate_responses

        checked = validate_responses(model, data)
        if strict:
            strict_stop(checked, "report")
        review = None
        if comments is not None:
            from ..privacy.review import read_comment_review

            if publish_unreviewed_comments:
                fail("give either --comments (reviewed) or --publish-unreviewed-comments", 2)
            if not comments.is_file():
                fail(f"{comments}: no such file", 2)
            review = read_comment_review(
                comments,
                survey=model,
                names=read_lines(names, "names"),
                places=read_lines(places, "places"),
            )
        log = _read_csv(activity_log, "--activity-log")
        segs = _read_csv(segments, "--segments")
        invited = _eligible(eligible, group or model.group_by or "trust") if eligible else None
        before = None
        if previous is not None:
            if not previous.is_file():
                fail(f"{previous}: no such file", 2)
            before_survey = as_survey(previous_survey) if previous_survey else model
            before = read_responses(previous, before_survey, source=source)
        with _progress(not quiet) as step:
            result = build_reports(
                model,
                data,
                out_dir,
                # the previous wave is published in a second process meanwhile: this process's
                # only other thread is the progress bar's, whose streams the child never uses
                parallel=can_fork(other_threads=True),
                group=group,
                policy=policy,
                activity_log=log,
                segments=segs,
                names=read_lines(names, "names"),
                places=read_lines(places, "places"),
                comments=review,
                publish_unreviewed_comments=publish_unreviewed_comments,
                key=key_file,
                analyst_dir=analyst_dir,
                eligible=invited,
                previous=before,
                previous_survey=previous_survey,
                previous_label=previous_label,
                code_trusts=code_trusts,
                details=details,
                progress=step,
            )
        from ..safe_output import write_table

        folder = result.analyst_dir if result.analyst_dir is not None else out_dir
        problems = write_table(checked.errors, folder / "validation-problems.csv")
        print_validation(checked, problems_file=problems)
    _summary(result)


def _check_paths(
    out_dir: Path, analyst_dir: Path | None, previous: Path | None, previous_survey: str | None
) -> None:
    """Stop before any work when a folder to write is a file, or --previous-survey is given
    without --previous (it would be ignored)."""
    output_folder(out_dir, "--out")
    if analyst_dir is not None:
        output_folder(analyst_dir, "--analyst-dir")
    if previous_survey is not None and previous is None:
        fail(
            "--previous-survey names the survey of the previous wave: give that wave's "
            "responses with --previous too (or leave --previous-survey out)",
            2,
        )


def _read_csv(path: Path | None, option: str) -> pd.DataFrame | None:
    """The CSV file an option names (UTF-8 or UTF-16), or None; bad files stop the command."""
    import io

    import pandas as pd

    if path is None:
        return None
    input_file(path, option)
    text = read_text(path, option)
    try:
        return pd.read_csv(io.StringIO(text))
    except pd.errors.EmptyDataError:
        fail(f"{option} {path}: the file is empty (a CSV file with a header row is expected)")
    except (pd.errors.ParserError, ValueError) as exc:
        fail(f"{option} {path}: cannot read it as CSV: {exc}")


def _eligible(path: Path, group: str) -> dict[str, int]:
    """Trust code -> people invited, from a CSV with the trust column and one count column."""
    import io

    import pandas as pd

    if not path.is_file():
        fail(f"{path}: no such file", 2)
    try:
        text = read_text(path, "--eligible")
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except ValueError as exc:
        fail(f"{path}: cannot read the eligible counts as CSV: {exc}", 2)
    cols = {c.strip().casefold(): c for c in frame.columns}
    key = cols.get(group.casefold()) or cols.get("trust")
    if key is None:
        fail(
            f"{path}: no column {group!r} naming the trusts (columns: "
            f"{', '.join(frame.columns)}); expected e.g. trust,eligible",
            2,
        )
    numeric = [c for c in frame.columns if c != key]
    count = cols.get("eligible") or (numeric[0] if len(numeric) == 1 else None)
    if count is None:
        fail(
            f"{path}: say which column holds the counts: name it 'eligible' (columns: "
            f"{', '.join(frame.columns)})",
            2,
        )
    out: dict[str, int] = {}
    for i, (trust, value) in enumerate(zip(frame[key], frame[count], strict=True), start=2):
        text = str(value).strip().replace(",", "")
        if not text.isdigit() or int(text) <= 0:
            fail(f"{path}: row {i}: {count} must be a whole number above 0; found {value!r}", 2)
        if trust in out:
            fail(f"{path}: row {i}: trust {trust!r} appears twice", 2)
        out[str(trust).strip()] = int(text)
    return out


def demo(
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Folder to write the demo's data and reports to.")
    ] = Path("demo-output"),
    seed: Annotated[int, typer.Option(min=0, help="Random seed of the simulation.")] = 2024,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Simulate a 19-trust evaluation and run the whole pipeline on it.

    Simulates trainee and supervisor survey returns (trusts of realistic, unequal sizes), a
    mentor activity log and coded interview segments from six case-study trusts, then writes the
    mentors' reports, the regional reports and the disclosure logs.
    """
    output_folder(out_dir, "--out")
    with friendly_errors():
        from ..demo import run_demo

        with _progress(not quiet) as step:
            results = run_demo(out_dir, seed=seed, progress=step)
    out(f"Simulated data: {out_dir / 'data'}")
    for key in ("trainees", "supervisors"):
        _summary(results[key])


def _summary(result: object) -> None:
    from ..reports.build import ReportSet

    assert isinstance(result, ReportSet)
    out(
        f"{result.out_dir}: {len(result.trust_reports)} trust reports, "
        f"regional report {result.regional_report.name}, and "
        f"{result.protection_page.name if result.protection_page else 'no'} page on how the "
        "numbers were protected (the folder to share)"
    )
    out(
        f"  analyst's folder (keep it; never send it with the reports): {result.analyst_dir} "
        f"(disclosure log {result.disclosure_log.name}, report key)"
    )
    if result.not_reported:
        k = len(result.not_reported)
        out(f"  {k} trust{'s' if k != 1 else ''} had too few responses for a report of their own")
    pub = result.publication
    if pub is not None:
        for g in pub.groups:
            out(f"  {g.file} -> the mentor of {g.label}")
    if pub is not None and pub.comments_pending:
        out(
            f"  {pub.comments_pending} comments were not published: none had been reviewed. "
            "Export them with `leadership-eval comments export`, review them, and pass the "
            "file with --comments."
        )
