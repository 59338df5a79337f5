"""Run the benchmarks: ``./dev bench`` (all) or ``./dev bench NAME ...``.

Each ``bench_<name>.py`` in this folder defines ``main() -> None``, which times the library and
the peers it names on the same data and prints the ratios, and records its headline figures
(``_figures.record``). After the last one, every figure is printed in one table beside its peer
and its target. Benchmarks are run on demand, never by the test suite.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _figures  # noqa: E402 - the folder is on the path from here


def available() -> dict[str, Path]:
    return {p.stem.removeprefix("bench_"): p for p in sorted(HERE.glob("bench_*.py"))}


def run(name: str, path: Path) -> None:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    print(f"=== {name}")
    _figures.start(name)
    t0 = time.perf_counter()
    module.main()
    print(f"--- {name} finished in {time.perf_counter() - t0:.1f} s\n")


def main(argv: list[str]) -> int:
    benches = available()
    names = argv or list(benches)
    unknown = [n for n in names if n not in benches]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(benches)}")
        return 2
    before = _figures.machine_check()
    for name in names:
        run(name, benches[name])
    after = _figures.machine_check()
    print("=== figures: ours, the peer's and the target, measured in this run")
    print(_figures.table())
    print(
        f"machine check (5 million additions in plain Python, best of 3): {before:.3f} s "
        f"before the benchmarks, {after:.3f} s after; figures near their target pass or fail "
        "with it"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
