"""Comment review commands: ``comments export`` and ``comments check``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import fail, friendly_errors, out, output_file, read_lines

comments_app = typer.Typer(
    name="comments",
    help="Review free-text comments before anything publishes them.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``comments`` commands to ``app``."""
    app.add_typer(comments_app, name="comments")


@comments_app.command("export")
def export_cmd(
    survey: Annotated[str, typer.Argument(help="The survey: a YAML file or a bundled id.")],
    responses: Annotated[Path, typer.Argument(help="The responses (CSV, XLSX, SPSS...).")],
    out_path: Annotated[Path, typer.Option("--out", "-o", help="The review file to write (CSV).")],
    names: Annotated[
        Path | None, typer.Option("--names", help="A file of people's names, one per line.")
    ] = None,
    places: Annotated[
        Path | None, typer.Option("--places", help="A file of place names, one per line.")
    ] = None,
    group: Annotated[
        str | None,
        typer.Option("--group", help="The group column (default: the survey's group_by)."),
    ] = None,
    policy: Annotated[
        str | None,
        typer.Option("--policy", help="Disclosure policy: a preset or a policy file."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a review file that has decisions in it.")
    ] = False,
) -> None:
    """Write every free-text answer, redacted, to a review file with automatic warnings.

    Reviewers fill the ``decision`` column (publish, edit or drop) and, for an edit,
    ``edited_text``; ``comments check`` then reads the file back. A review file with decisions
    in it is not replaced without --force.
    """
    if out_path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        fail(f"--out {out_path}: the review file is written as CSV: name it .csv", 2)
    output_file(
        out_path,
        "--out",
        {
            "survey": Path(survey),
            "responses": responses,
            "names file": names,
            "places file": places,
        },
    )
    with friendly_errors():
        from ..errors import DataError
        from ..instruments.loader import as_survey
        from ..privacy.review import (
            WARNING_CODES,
            export_comments,
            read_comment_review,
            write_comment_review,
        )
        from ..responses import read_responses
        from ..safe_output import write_files

        instrument = as_survey(survey)
        if not responses.exists():
            fail(f"{responses}: no such file", 2)
        if out_path.exists() and not force:
            try:
                earlier = read_comment_review(out_path)
            except DataError:
                earlier = None
            decided = earlier is not None and sum(earlier.counts.values()) > (earlier.n_undecided)
            if earlier is None or decided:
                fail(
                    f"{out_path} exists and may hold reviewers' decisions; choose another "
                    "--out or pass --force to replace it",
                    1,
                )
        frame = read_responses(responses, instrument).frame
        review = export_comments(
            instrument,
            frame,
            group=group,
            names=read_lines(names, "names"),
            places=read_lines(places, "places"),
            policy=policy,
        )
        write_files([(out_path, write_comment_review(review))])
        n_groups = review["group"].nunique()
        out(
            f"wrote {out_path}: {len(review)} comment(s) on "
            f"{review['item'].nunique()} question(s) from {n_groups} group(s)"
        )
        codes = [c for cell in review["warnings"] for c in cell.split("; ") if c]
        for code in WARNING_CODES:
            n = codes.count(code)
            if n:
                out(f"  {code}: {n} comment(s)")
        out(
            "reviewers: fill 'decision' (publish, edit or drop) and, for an edit, "
            f"'edited_text'; then run: leadership-eval comments check {out_path}"
        )


@comments_app.command("check")
def check_cmd(
    review: Annotated[Path, typer.Argument(help="A filled review file (CSV or XLSX).")],
    survey: Annotated[
        str | None, typer.Option("--survey", help="Check items and groups against this survey.")
    ] = None,
    names: Annotated[
        Path | None, typer.Option("--names", help="A file of people's names, one per line.")
    ] = None,
    places: Annotated[
        Path | None, typer.Option("--places", help="A file of place names, one per line.")
    ] = None,
) -> None:
    """Check a filled review file and count its decisions.

    Exit status: 0 when the file is valid (undecided rows are allowed: they are not published),
    1 with every problem listed by spreadsheet row otherwise.
    """
    with friendly_errors():
        from ..privacy.review import read_comment_review

        result = read_comment_review(
            review,
            survey=survey,
            names=read_lines(names, "names"),
            places=read_lines(places, "places"),
        )
        counts = result.counts
        out(
            f"{review}: {sum(counts.values())} comment(s): {counts['publish']} publish, "
            f"{counts['edit']} edit, {counts['drop']} drop, {counts['undecided']} undecided"
        )
        out(f"{len(result.approved)} comment(s) approved for publication")
        if counts["undecided"]:
            out("undecided comments are not published")
