"""Loading and validating 200 instruments.

Times ``load_catalogue`` on a folder of 200 generated surveys (60 items, 6 scales, skip logic each)
and ``leadership-eval validate`` on the same folder as a user runs it, against two baselines that
do less: PyYAML's ``safe_load`` alone, and ``safe_load`` followed by pydantic validation with no
positions and no reference checks. The ratios show what located, complete problem reports cost.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _figures
import yaml

from leadership_eval.instruments.catalogue import load_catalogue
from leadership_eval.instruments.models import Survey


def make_survey(i: int, n_items: int = 60) -> str:
    lines = [
        "kind: survey",
        f"id: survey-{i:03d}",
        "version: 1.0.0",
        f"title: Generated survey {i}",
        "choice_lists:",
        "  agree5:",
        "    ordered: true",
        "    options:",
    ]
    lines += [f"      - {{code: {c}, label: Option {c}}}" for c in range(1, 6)]
    lines += ["    missing:", "      - {code: 9, label: Prefer not to say}"]
    lines += ["sections:"]
    for s in range(6):
        lines += [f"  - id: s{s}", f"    title: Section {s}", "    items:"]
        for j in range(n_items // 6):
            k = s * (n_items // 6) + j
            show = f', show_if: "q{k - 1} >= 3"' if j and j % 3 == 0 else ""
            lines.append(
                f"      - {{id: q{k}, type: likert, choices: agree5, "
                f'text: "Statement number {k}", objectives: [O{1 + k % 7}]{show}}}'
            )
    lines += ["scales:"]
    for s in range(6):
        items = ", ".join(f"q{s * 10 + j}" for j in range(10))
        lines += [
            f"  - id: scale_{s}",
            f"    title: Scale {s}",
            f"    items: [{items}]",
            f"    reverse: [q{s * 10 + 1}]",
            "    min_answered: 0.5",
        ]
    return "\n".join(lines) + "\n"


def best_of(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i in range(200):
            (folder / f"survey-{i:03d}.yaml").write_text(make_survey(i), encoding="utf-8")
        files = sorted(folder.glob("*.yaml"))

        ours = best_of(lambda: load_catalogue(folder))

        def plain_yaml() -> None:
            for f in files:
                yaml.load(f.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)

        def yaml_and_pydantic() -> None:
            for f in files:
                Survey.model_validate(
                    yaml.load(f.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
                )

        t_yaml = best_of(plain_yaml)
        t_pyd = best_of(yaml_and_pydantic)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "leadership_eval.cli", "validate", "-q", str(folder)],
            capture_output=True,
            text=True,
        )
        t_cli = time.perf_counter() - t0
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "leadership_eval.cli", "validate", "-q"],
            capture_output=True,
            text=True,
        )
        t_cli_bundled = time.perf_counter() - t0
    print(f"200 surveys x 60 items, 6 scales, skip logic (exit {proc.returncode})")
    print(f"  load_catalogue (positions, all checks)    {ours * 1000:8.0f} ms")
    print(
        f"  PyYAML CSafeLoader only                   {t_yaml * 1000:8.0f} ms  ratio {ours / t_yaml:5.2f}x"
    )
    print(
        f"  PyYAML + pydantic, no positions/checks    {t_pyd * 1000:8.0f} ms  ratio {ours / t_pyd:5.2f}x"
    )
    print(f"  `leadership-eval validate FOLDER` process {t_cli * 1000:8.0f} ms (incl. start-up)")
    print(
        f"  `leadership-eval validate` (bundled)      {t_cli_bundled * 1000:8.0f} ms (target < 1000)"
    )
    _figures.record(
        "`leadership-eval validate` (bundled), process",
        _figures.seconds(t_cli_bundled),
        "-",
        "< 1 s",
        t_cli_bundled < 1.0,
    )
    _figures.record(
        "load_catalogue, 200 surveys x 60 items",
        _figures.seconds(ours),
        f"PyYAML + pydantic {t_pyd * 1000:.0f} ms",
    )


if __name__ == "__main__":
    main()
