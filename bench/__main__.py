"""Run every benchmark module in bench/ that defines ``main()`` and print its figures."""

import importlib
import pkgutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "host_tools"))


def run():
    here = Path(__file__).parent
    for info in sorted(pkgutil.iter_modules([str(here)]), key=lambda m: m.name):
        if not info.name.startswith("bench_"):
            continue
        mod = importlib.import_module(f"bench.{info.name}")
        print(f"== {info.name[6:]} ==", flush=True)
        mod.main()
        print(flush=True)


if __name__ == "__main__":
    run()
