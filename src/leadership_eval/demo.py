"""A simulated evaluation, end to end: the quick start's main job.

:func:`simulate_evaluation` makes a realistic data set for the Clinical Leadership Mentor
evaluation with the bundled instruments: trainee and supervisor survey returns from 19 trusts of
unequal sizes (two of them too small to report on, one planted as lower than the rest), a mentor
activity log, a mentor and trust profile per trust, and coded interview segments from six
case-study trusts. Free-text answers carry
planted personal data (names, e-mail addresses, phone numbers) so that the redaction can be seen
to work. :func:`run_demo` runs the whole pipeline on it and writes the reports.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._processes import (
    error_message,
    fork_context,
    fork_wanted,
    quiet_child,
    receive,
    send_quietly,
)
from .instruments.loader import as_survey
from .instruments.models import Survey

__all__ = ["DemoData", "run_demo", "simulate_evaluation"]

# staff and places a deanery would put on its redaction lists
ROSTER = (
    "Amara Okafor",
    "Tom Fletcher",
    "Priya Raman",
    "Gareth Lloyd",
    "Siobhan Kelly",
    "Hannah Whitfield",
    "Daniel Osei",
    "Fiona MacLeod",
)
PLACES = ("Ward 12", "Rowan Ward", "St Aidan's Hospital", "Ashfield General")

# the simulated data's report key (a real evaluation keeps a secret one in the analyst's folder)
_DEMO_KEY = b"leadership-eval demonstration key, not secret"

PLANTED = (
    "My supervisor Dr Fletcher was brilliant about the QI project.",
    "Please ask Amara Okafor to run the session again, amara.okafor@example.nhs.uk",
    "The rota on Rowan Ward makes any leadership activity impossible.",
    "Call me on 07700 900123 if you want to hear more about the audit.",
    "Priya Raman the mentor helped me join the patient safety committee.",
    "Email tom.fletcher@example.nhs.uk about the fellowship scheme.",
    "Ms O'Neill-Harris at St Aidan's Hospital set up the shadowing.",
    "I only heard about the scheme from Gareth Lloyd at induction.",
)


@dataclass
class DemoData:
    """A simulated evaluation's data."""

    trainees: pd.DataFrame
    trainees_before: pd.DataFrame
    supervisors: pd.DataFrame
    activity_log: pd.DataFrame
    segments: pd.DataFrame
    eligible: dict[str, int]
    planted: list[str] = field(default_factory=list)
    names: tuple[str, ...] = ROSTER
    places: tuple[str, ...] = PLACES
    profiles: pd.DataFrame = field(default_factory=pd.DataFrame)
    """One mentor and trust profile per trust (the ``mentor-trust-profile`` survey)."""


def _trust_sizes(
    rng: np.random.Generator, trusts: list[str]
) -> tuple[dict[str, int], dict[str, int]]:
    eligible = {
        t: round(x) for t, x in zip(trusts, rng.lognormal(5.0, 0.55, len(trusts)), strict=True)
    }
    rates = rng.uniform(0.12, 0.38, len(trusts))
    sizes = {t: max(1, round(eligible[t] * r)) for t, r in zip(trusts, rates, strict=True)}
    # two small trusts: too few respondents for a report of their own
    for t, n in ((trusts[2], 3), (trusts[11], 4)):
        sizes[t] = n
        eligible[t] = max(eligible[t] // 6, 12)
    return eligible, sizes


def simulate_evaluation(seed: int = 2024, n_trusts: int = 19) -> DemoData:
    """Simulate the evaluation's data with the bundled instruments.

    Parameters
    ----------
    seed : int
        Seed: the same seed gives the same data.
    n_trusts : int
        Number of trusts (the scheme has 19).

    Returns
    -------
    DemoData
        ``trainees``, ``trainees_before`` (the previous wave) and ``supervisors`` (raw survey
        returns), ``activity_log`` (mentor activity records), ``profiles`` (one mentor and trust
        profile per trust), ``segments`` (coded interview segments from six case-study trusts),
        ``eligible`` (trainees invited per trust), and the ``planted`` personal data.

    Examples
    --------
    >>> from leadership_eval.demo import simulate_evaluation
    >>> data = simulate_evaluation(seed=1)
    >>> data.trainees["trust"].nunique()
    19
    """
    first = _first_wave(seed, n_trusts)
    supervisors, trainees_before = _other_returns(seed, n_trusts)
    return DemoData(trainees_before=trainees_before, supervisors=supervisors, **first)


def _plan(
    seed: int, n_trusts: int, trainee_survey: Survey
) -> tuple[np.random.Generator, list[str], Any, Any, str]:
    """The trusts, their sizes and the planted trust, from the first draws of the seed's
    generator (which goes on to the first wave's other draws)."""
    rng = np.random.default_rng(seed)
    trust_list = trainee_survey.choices_for("trust")
    assert trust_list is not None
    trusts = [str(c) for c in trust_list.codes][:n_trusts]
    eligible, sizes = _trust_sizes(rng, trusts)
    return rng, trusts, eligible, sizes, trusts[6]  # trusts[6]: where trainees fare worse


def _first_wave(seed: int, n_trusts: int) -> dict[str, Any]:
    """This year's trainee returns (with the planted personal data), the activity log, the
    profiles and the interview segments: everything drawn from the seed's own generator."""
    from .simulate import simulate_responses

    trainee_survey = as_survey("trainee-survey")
    rng, trusts, eligible, sizes, low = _plan(seed, n_trusts, trainee_survey)
    trainees = simulate_responses(
        trainee_survey,
        sum(sizes.values()),
        groups=sizes,
        group_effects={low: -0.9, trusts[14]: 0.5},
        seed=seed,
        declined=0.03,  # a platform's full export: a few open the survey and decline
    )
    planted: list[str] = []
    text_items = [i.id for i in trainee_survey.items_with("free_text") if i.id in trainees]
    if text_items:
        target = text_items[-1]
        rows = rng.choice(len(trainees), size=min(len(PLANTED) * 3, len(trainees)), replace=False)
        for k, row in enumerate(rows):
            text = PLANTED[k % len(PLANTED)]
            trainees.loc[trainees.index[row], target] = text
            planted.append(text)

    log_survey = as_survey("mentor-activity-log")
    activity_sizes = {t: int(rng.integers(8, 40)) for t in trusts}
    activity_sizes[low] = 4  # the planted trust's mentor does little
    activity_log = simulate_responses(
        log_survey, sum(activity_sizes.values()), groups=activity_sizes, seed=seed + 2
    )

    profile_survey = as_survey("mentor-trust-profile")
    profiles = simulate_responses(
        profile_survey, len(trusts), groups=list(trusts), seed=seed + 4, missing_rate=0.0
    )
    # the planted trust's mentor has little time for the role; trainee numbers are the trusts'
    agreed = profiles["consent"].eq(1).to_numpy()
    profiles.loc[agreed & (profiles["trust"] == low).to_numpy(), "mentor_pas"] = 0.5
    profiles.loc[agreed, "trainees_in_trust"] = [
        float(eligible[t]) for t in profiles.loc[agreed, "trust"]
    ]

    segments = _segments(rng, trusts, low)
    return {
        "trainees": trainees,
        "activity_log": activity_log,
        "segments": segments,
        "eligible": eligible,
        "planted": planted,
        "profiles": profiles,
    }


def _other_returns(seed: int, n_trusts: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The supervisors' returns and the trainees' previous wave (each from its own seed, so
    they can be drawn apart from the first wave, in another process)."""
    trainee_survey = as_survey("trainee-survey")  # both plan from its list of trusts
    return (
        _supervisor_returns(seed, n_trusts, trainee_survey),
        _previous_returns(seed, n_trusts, trainee_survey),
    )


def _supervisor_returns(seed: int, n_trusts: int, trainee_survey: Survey) -> pd.DataFrame:
    from .simulate import simulate_responses

    _, _, _, sizes, _ = _plan(seed, n_trusts, trainee_survey)
    # supervisors answered more readily than trainees in the published evaluation (170 and 112
    # in 8 trusts): the same ratio here
    sup_sizes = {t: max(2, round(n * 1.5)) for t, n in sizes.items()}
    return simulate_responses(
        as_survey("supervisor-survey"),
        sum(sup_sizes.values()),
        groups=sup_sizes,
        seed=seed + 1,
        declined=0.03,
    )


def _previous_returns(seed: int, n_trusts: int, trainee_survey: Survey) -> pd.DataFrame:
    from .simulate import simulate_responses

    _, trusts, _, sizes, low = _plan(seed, n_trusts, trainee_survey)
    # the previous wave: fewer returns, and the planted trust lower still
    before_sizes = {t: max(1, round(n * 0.85)) for t, n in sizes.items()}
    return simulate_responses(
        trainee_survey,
        sum(before_sizes.values()),
        groups=before_sizes,
        group_effects={low: -1.2, trusts[14]: 0.2},
        seed=seed + 3,
    )


def _segments(rng: np.random.Generator, trusts: list[str], low: str) -> pd.DataFrame:
    """Coded interview segments for six case-study trusts, built from the codebook's examples."""
    from .instruments.loader import load_instrument
    from .instruments.models import Codebook, text_in

    book = load_instrument("clm-codebook")
    assert isinstance(book, Codebook)
    leaves = [c for _, c in book.walk() if not c.codes]
    case_studies = trusts[:: max(1, len(trusts) // 6)][:6]  # six case-study trusts
    roles = [("trainee", 5), ("supervisor", 3), ("manager", 2), ("mentor", 1)]
    rows: list[dict[str, Any]] = []
    pid = 0
    for trust in case_studies:
        for role, count in roles:
            for _ in range(int(count + rng.integers(0, 2))):
                pid += 1
                participant = f"P{pid:03d}"
                for _ in range(int(rng.integers(3, 8))):
                    chosen = rng.choice(len(leaves), size=int(rng.integers(1, 3)), replace=False)
                    codes = [leaves[i] for i in chosen]
                    examples = [text_in(e) for c in codes for e in c.examples] or [
                        text_in(codes[0].definition)
                    ]
                    text = str(examples[int(rng.integers(0, len(examples)))])
                    if rng.random() < 0.05:
                        text += " " + PLANTED[int(rng.integers(0, len(PLANTED)))]
                    rows.append(
                        {
                            "participant": participant,
                            "role": role,
                            "trust": trust,
                            "codes": ";".join(c.id for c in codes),
                            "text": text,
                        }
                    )
    frame = pd.DataFrame(rows)
    frame.insert(0, "segment_id", [f"S{i + 1:04d}" for i in range(len(frame))])
    return frame


def run_demo(
    out_dir: str | Path = "demo-output",
    *,
    seed: int = 2024,
    progress: Callable[[str], None] | None = None,
    parallel: bool | None = None,
) -> dict[str, Any]:
    """Simulate an evaluation and write every report.

    Writes ``out_dir/data/`` (the simulated inputs, as a user would have them),
    ``out_dir/trainees/`` (a mentor's report per qualifying trust, the regional report and the
    page on how the numbers were protected, from the trainee survey with the activity log and
    interview themes), ``out_dir/supervisors/`` (the same from the supervisor survey), and
    beside each the analyst's folder (``trainees-analyst/``, ``supervisors-analyst/``) with the
    disclosure log. Being a demonstration, it publishes the automatically redacted comments
    without the review a real evaluation does first.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The folder to write to.
    seed : int
        Seed of the simulation.
    progress : callable, optional
        Called with a short description of each step.
    parallel : bool, optional
        Work in two processes at once: a second process draws the supervisors' returns and the
        previous wave, makes the previous wave's publication and then the supervisors' reports,
        while this one draws this year's trainee returns and makes the trainees' reports (the
        activity log's tables in a third meanwhile). Default: when the platform can fork
        (Linux) and this process may use two processors or more (on a busy machine the two
        share what is free, no slower than one process). ``False``: one process throughout.
        The files written are the same either way.

    Returns
    -------
    dict
        ``{"trainees": ReportSet, "supervisors": ReportSet, "data": DemoData}``.
    """
    from .reports.build import build_reports

    step = progress or (lambda _m: None)
    out = Path(out_dir)
    data_dir = out / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    common: dict[str, Any] = {
        "names": ROSTER,
        "places": PLACES,
        "title": "Clinical Leadership Mentor evaluation",
        "publish_unreviewed_comments": True,  # a demonstration: real runs review comments first
        "key": _DEMO_KEY,
        "details": {"mentor_title": "Clinical Leadership Mentor"},
    }
    # the demo's default forks whatever other threads run (a progress bar's): the child
    # writes nothing to the parent's streams
    wanted = fork_wanted(parallel, "run_demo", other_threads=True)
    context = fork_context() if wanted else None
    # the reports fork as the demo does (the activity log's tables beside the rest), or never
    common["parallel"] = wanted

    def trainee_reports(first: dict[str, Any], previous: Any) -> Any:
        return build_reports(
            "trainee-survey",
            first["trainees"],
            out / "trainees",
            activity_log=first["activity_log"],
            segments=first["segments"],
            eligible=first["eligible"],
            previous=previous,
            previous_label="2025",
            progress=step,
            **common,
        )

    step("simulating 19 trusts")
    if context is None:
        first = _first_wave(seed, 19)
        _write_first(first, data_dir)
        supervisors_frame, before = _write_other(_other_returns(seed, 19), data_dir)
        trainees = trainee_reports(first, _previous_wave(before, common))
        supervisors = _build(
            "supervisor-survey", supervisors_frame, out / "supervisors", common, progress=step
        )
    else:
        # a forked process (it inherits every module imported so far) draws the supervisors'
        # returns and the previous wave, makes the previous wave's publication, then the
        # supervisors' reports; this one meanwhile draws this year's trainee returns and the
        # rest, analyses them, takes the previous wave when it needs it, and writes the
        # trainees' reports
        _load_shared()
        with _frozen_collector():
            second = _SecondProcess(context, seed, data_dir, common, out / "supervisors")
            try:
                first = _first_wave(seed, 19)
                _write_first(first, data_dir)
                trainees = trainee_reports(first, second.previous)
                step("finishing the supervisor survey's reports")
                supervisors_frame, before, supervisors = second.finish()
            except BaseException:
                second.abandon()
                raise
    data = DemoData(trainees_before=before, supervisors=supervisors_frame, **first)
    return {"trainees": trainees, "supervisors": supervisors, "data": data}


def _load_shared() -> None:
    """Before the fork, what both processes would each do after it: the second inherits it.

    Every bundled instrument parsed (each process's reports read the catalogue for the table of
    objectives), the redaction patterns for the demo's names and places compiled, and
    ``scipy.special`` imported (the simulation's and the analysis's distributions). Done once,
    and frozen for the collector with the rest, this saves about a quarter of a second of CPU
    time, and 0.07 s of the demo's 2.1 s on two processors.
    """
    import scipy.special  # noqa: F401

    from .instruments.catalogue import shared_bundled_catalogue
    from .privacy.text import Redactor

    shared_bundled_catalogue()
    Redactor(ROSTER, PLACES)


def _write_first(first: dict[str, Any], data_dir: Path) -> None:
    """The first wave's simulated inputs, as a user would have them."""
    first["trainees"].to_csv(data_dir / "trainee-survey.csv", index=False)
    pd.Series(first["eligible"], name="eligible").rename_axis("trust").to_csv(
        data_dir / "eligible-trainees.csv"
    )
    first["activity_log"].to_csv(data_dir / "mentor-activity-log.csv", index=False)
    first["profiles"].to_csv(data_dir / "mentor-trust-profile.csv", index=False)
    first["segments"].to_csv(data_dir / "interview-segments.csv", index=False)


def _write_other(
    returns: tuple[pd.DataFrame, pd.DataFrame], data_dir: Path
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The supervisors' returns and the previous wave's, written; the two frames."""
    supervisors, before = returns
    before.to_csv(data_dir / "trainee-survey-2025.csv", index=False)
    supervisors.to_csv(data_dir / "supervisor-survey.csv", index=False)
    return supervisors, before


def _later_waves(seed: int, data_dir: Path, options: dict[str, Any]) -> tuple[Any, Any, Any]:
    """In the second process: the supervisors' and previous wave's returns, drawn and
    written, and the previous wave's publication."""
    supervisors, before = _write_other(_other_returns(seed, 19), data_dir)
    return supervisors, before, _previous_wave(before, options)


@contextlib.contextmanager
def _frozen_collector() -> Iterator[None]:
    """The objects made so far (the imported modules, mostly) frozen for the time of the block,
    as the gc module's documentation advises before a fork: the collector of neither process
    walks them again. Nothing is done if the caller froze objects already."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class _SecondProcess:
    """The demo's second process (forked), and the pipe its results come back through: the
    previous wave's publication as soon as it is made, then the supervisors' returns, the
    previous wave's and the supervisors' reports; or the error that stopped it."""

    def __init__(
        self, context: Any, seed: int, data_dir: Path, options: dict[str, Any], out_dir: Path
    ) -> None:
        self._reader, writer = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_second_process,
            args=(self._reader, writer, seed, data_dir, options, out_dir),
            daemon=True,
        )
        self._process.start()
        writer.close()
        self._previous: Any = None

    def _receive(self, expected: str) -> Any:
        kind, payload = receive(
            self._reader,
            self._process,
            "the demo's second process",
            "; run_demo(parallel=False) works in one process",
        )
        assert kind == expected, (kind, expected)
        return payload

    def previous(self) -> Any:
        """The previous wave's publication (waiting for it if it is not made yet)."""
        if self._previous is None:
            self._previous = self._receive("previous")
        return self._previous

    def finish(self) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
        """The supervisors' returns, the previous wave's, and the supervisors' reports."""
        self.previous()
        result = self._receive("done")
        self._process.join()
        self._reader.close()
        return result  # type: ignore[no-any-return]

    def abandon(self) -> None:
        """This process failed: stop reading (the second one's sends fail at once), and wait
        for it to end."""
        self._reader.close()
        self._process.join()


def _second_process(  # pragma: no cover - runs in the child process
    reader: Any, writer: Any, seed: int, data_dir: Path, options: dict[str, Any], out_dir: Path
) -> None:
    """The second process's work, its results sent through ``writer``."""
    reader.close()  # so that a send fails once the first process stops reading
    quiet_child()
    sender: threading.Thread | None = None
    try:
        supervisors, before, previous = _later_waves(seed, data_dir, options)
        # the pipe holds less than a publication: a thread waits until the first process
        # takes it, while this one goes on with the supervisors' reports
        sender = threading.Thread(
            target=send_quietly, args=(writer, ("previous", previous, None)), daemon=True
        )
        sender.start()
        reports = _build("supervisor-survey", supervisors, out_dir, options)
        sender.join()
        writer.send(("done", (supervisors, before, reports), None))
    except BaseException as exc:  # every error goes back to the first process
        if sender is not None:
            sender.join()
        send_quietly(writer, error_message(exc))
    finally:
        writer.close()


def _previous_wave(responses: pd.DataFrame, options: dict[str, Any]) -> Any:
    """The trainee survey's previous wave, published with the demo's key and policy."""
    from .privacy.identifiers import resolve_key
    from .reports.build import publish_wave

    pub, _ = publish_wave(
        "trainee-survey",
        responses,
        resolve_key(options["key"]),
        names=options["names"],
        places=options["places"],
        details=options["details"],
    )
    return pub


def _build(
    survey: str,
    responses: pd.DataFrame,
    out_dir: Path,
    options: dict[str, Any],
    progress: Callable[[str], None] | None = None,
) -> Any:
    from .reports.build import build_reports

    return build_reports(survey, responses, out_dir, progress=progress, **options)
