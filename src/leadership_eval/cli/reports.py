"""Commands that write reports: ``report`` and ``demo``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from ._common import fail, friendly_errors, out


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


def _lines(path: Path | None) -> list[str]:
    if path is None:
        return []
    if not path.is_file():
        fail(f"{path}: no such file", 2)
    return [x.strip() for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


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
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Write a report per trust for its mentor, a regional report and a disclosure log.

    Responses are validated and scored, free text redacted, each trust compared with the rest
    of the region, and every published count protected. Trusts below the policy's minimum get
    no report. Nothing is written if any step fails.
    """
    with friendly_errors():
        import pandas as pd

        from ..instruments.loader import as_survey
        from ..reports.build import build_reports
        from ..responses import read_responses

        model = as_survey(survey)
        if not responses.is_file():
            fail(f"{responses}: no such file", 2)
        data = read_responses(responses, model, source=source)
        log = pd.read_csv(activity_log) if activity_log else None
        segs = pd.read_csv(segments) if segments else None
        with _progress(not quiet) as step:
            result = build_reports(
                model,
                data,
                out_dir,
                group=group,
                policy=policy,
                activity_log=log,
                segments=segs,
                names=_lines(names),
                places=_lines(places),
                progress=step,
            )
    _summary(result)


def demo(
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Folder to write the demo's data and reports to.")
    ] = Path("demo-output"),
    seed: Annotated[int, typer.Option(help="Random seed of the simulation.")] = 2024,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Simulate a 19-trust evaluation and run the whole pipeline on it.

    Simulates trainee and supervisor survey returns (trusts of realistic, unequal sizes), a
    mentor activity log and coded interview segments from six case-study trusts, then writes the
    mentors' reports, the regional reports and the disclosure logs.
    """
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
        f"regional report {result.regional_report.name}, disclosure log "
        f"{result.disclosure_log.name}"
    )
    if result.not_reported:
        out(f"  {len(result.not_reported)} trusts had too few responses for a report of their own")
