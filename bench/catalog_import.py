"""Catalog import benchmark: ``import_catalog`` on a 50,000-dataset data.json
against a plain ``json.load`` of the same file (the floor: every importer has
to parse the file at least once).

In one run it writes a DCAT-US v1.1 data.json into a temporary directory,
migrates a fresh SQLite database there, then runs each measurement in its own
Python process so neither inherits the other's heap:

  * floor:  ``json.load`` of the file;
  * import: ``import_catalog`` of the file into the empty database.

Each child reports its wall time and its peak resident memory
(``VmHWM``), plus the growth over its resident size just before the
measured step (the interpreter, and Django for the import, already loaded).
It prints both rows, the import/floor ratios of time and memory growth, and
the import's peak RSS growth as a share of the floor's. The importer streams
JSON (ijson), so its growth should stay flat as the file grows while the
floor's grows with it; ``tests/ventures/test_catalog_streaming.py`` asserts
that on a 20,000-dataset file through ``measure``.

    python bench/catalog_import.py                    # 50,000 datasets
    python bench/catalog_import.py --datasets 5000    # a quicker run

The machine is shared and noisy: compare ratios, not absolute numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

THEMES = ["Transportation", "Environment", "Health", "Economy", "Public Safety"]
WORDS = [
    "street",
    "tree",
    "permit",
    "budget",
    "transit",
    "parcel",
    "inspection",
    "library",
    "water",
]


def dataset(n: int) -> dict:
    words = [WORDS[(n + i) % len(WORDS)] for i in range(4)]
    return {
        "@type": "dcat:Dataset",
        "identifier": f"https://data.example.gov/id/{n:06d}",
        "title": f"{' '.join(words).title()} {n}",
        "description": (
            f"<p>Records of {words[0]} and {words[1]} across the city, "
            f"updated monthly.</p><p>Dataset number {n}. &amp; more: "
            + "lorem ipsum dolor sit amet " * 6
            + "</p>"
        ),
        "keyword": [*words[:3], f"tag{n % 97}"],
        "modified": f"20{10 + n % 14}-{1 + n % 12:02d}-{1 + n % 28:02d}",
        "publisher": {
            "@type": "org:Organization",
            "name": f"Department {n % 40}",
        },
        "contactPoint": {
            "@type": "vcard:Contact",
            "fn": "Open Data Team",
            "hasEmail": "mailto:opendata@example.gov",
        },
        "accessLevel": "public",
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "landingPage": f"https://data.example.gov/d/{n:06d}",
        "theme": [THEMES[n % len(THEMES)]],
        "distribution": [
            {
                "@type": "dcat:Distribution",
                "downloadURL": f"https://data.example.gov/d/{n:06d}.csv",
                "mediaType": "text/csv",
                "format": "CSV",
                "title": "CSV",
            },
            {
                "@type": "dcat:Distribution",
                "downloadURL": f"https://data.example.gov/d/{n:06d}.json",
                "mediaType": "application/json",
                "format": "JSON",
                "title": "JSON",
            },
        ],
    }


def write_catalog(path: Path, count: int) -> None:
    """Write the file one dataset at a time (the generator's memory is not
    what this benchmark measures, but it should not get in the way)."""
    with open(path, "w", encoding="utf-8") as out:
        out.write(
            '{"conformsTo": "https://project-open-data.cio.gov/v1.1/schema",'
            ' "@type": "dcat:Catalog", "dataset": [\n'
        )
        for n in range(count):
            if n:
                out.write(",\n")
            json.dump(dataset(n), out)
        out.write("\n]}\n")


def django_env(workdir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hub.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "k" * 60,
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SQLITE_PATH": str(workdir / "bench.sqlite3"),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    return env


def status_kib(field: str) -> int:
    """A memory figure of this process from ``/proc/self/status``, in KiB.
    ``VmHWM`` is the peak of this process image only: ``getrusage``'s maxrss
    also counts the parent's memory that a forked child held before ``exec``
    (a 250 MiB pytest process made every child look that big)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    return 0


def child(mode: str, path: str) -> None:
    """Run one measured step and print its figures as one JSON line."""
    extra = ""
    if mode == "migrate":
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return
    if mode == "import":
        import django

        django.setup()
        from catalog.importer import import_catalog
        from catalog.jsonstream import FAST
    baseline = status_kib("VmRSS")
    start = time.perf_counter()
    if mode == "floor":
        with open(path, "rb") as stream:
            data = json.load(stream)
        extra = f"datasets={len(data['dataset'])}"
        del data
    else:
        line = import_catalog("Bench catalog", path).line()
        extra = f"{line} (ijson backend {FAST.backend_name})"
    seconds = time.perf_counter() - start
    peak = status_kib("VmHWM")
    print(
        json.dumps(
            {"seconds": seconds, "peak": peak, "growth": peak - baseline, "info": extra}
        )
    )


def run_child(mode: str, path: Path, env: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    if mode == "migrate":
        return {}
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(workdir: Path, count: int) -> tuple[dict, dict]:
    """Write a ``count``-dataset catalog in ``workdir``, migrate a database
    there, and return the floor's and the import's figures, each measured in
    its own process."""
    path = workdir / "data.json"
    write_catalog(path, count)
    env = django_env(workdir)
    run_child("migrate", path, env)
    return run_child("floor", path, env), run_child("import", path, env)


def mib(kib: float) -> str:
    return f"{kib / 1024:8.1f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=50_000)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    workdir = Path(tempfile.mkdtemp(prefix="clusterhub-bench-catalog-"))
    try:
        floor, ours = measure(workdir, args.datasets)
        size = (workdir / "data.json").stat().st_size
        print(f"catalog: {args.datasets} datasets, {size / 2**20:.1f} MiB")
        print(f"floor  json.load      {floor['info']}")
        print(f"import import_catalog {ours['info']}")
        print(f"{'':22} {'time':>9} {'peak RSS':>12} {'RSS growth':>12}")
        for name, row in (("floor (json.load)", floor), ("import_catalog", ours)):
            print(
                f"{name:22} {row['seconds']:8.2f}s {mib(row['peak'])} "
                f"{mib(row['growth'])}"
            )
        print(
            f"ratio import/floor: time {ours['seconds'] / floor['seconds']:.1f}x, "
            f"peak RSS {ours['peak'] / floor['peak']:.1f}x, "
            f"RSS growth {ours['growth'] / max(floor['growth'], 1):.1f}x"
        )
        print(
            f"import peak RSS growth: {ours['growth'] / 1024:.1f} MiB, "
            f"{100 * ours['growth'] / max(floor['growth'], 1):.0f}% of json.load's "
            f"{floor['growth'] / 1024:.1f} MiB for the same file"
        )
        print(f"import rate: {args.datasets / ours['seconds']:,.0f} datasets/s")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
