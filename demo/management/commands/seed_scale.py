"""Fill the database with city-scale synthetic data (see ``demo.scale``).

    python manage.py seed_scale                 # 20,000 ideas, 100,000 stage changes, ...
    python manage.py seed_scale --scale 0.01    # one hundredth of that
    python manage.py seed_scale --force         # even though ideas already exist

It refuses to run on a database that already holds ideas unless ``--force`` is
given, so nobody fills a real instance with made-up people by mistake.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo import scale as scale_data
from hub.core.models import User
from ideas.models import Idea


class Command(BaseCommand):
    help = "Generate city-scale synthetic data for dashboards and benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Fraction of the city scale (1.0: 20,000 ideas; 0.01 for a quick run).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though the database already holds ideas.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale, seed = options["scale"], options["seed"]
        if scale <= 0:
            raise CommandError("--scale must be a positive number.")
        if Idea.objects.exists() and not options["force"]:
            raise CommandError(
                "This database already holds ideas; seed_scale only fills an empty "
                "one (it adds thousands of made-up people and ideas). Pass --force "
                "to add the scale data anyway."
            )
        if User.objects.filter(email=f"scale-{seed}-0@example.org").exists():
            raise CommandError(
                f"Scale data with --seed {seed} is already here; pick another --seed."
            )
        started = time.perf_counter()
        written = scale_data.generate(
            scale=scale,
            seed=seed,
            now=scale_data.today_anchor(),
            log=lambda msg: (
                self.stdout.write(f"  {msg}") if options["verbosity"] > 1 else None
            ),
        )
        elapsed = time.perf_counter() - started
        for table, count in written.items():
            self.stdout.write(f"{table:>20} {count:>8}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Scale data written (scale {scale}) in {elapsed:.1f} s."
            )
        )
