"""Charts as plain data: one object feeds the canvas, the table and the CSV.

A view builds :class:`Chart` objects from database aggregates; the template
``reports/_chart.html`` draws each one with Chart.js (``static/js/charts.js``)
from a ``json_script`` data block and shows the same figures as a table, and
:func:`chart_csv_response` downloads them. So the picture, the table and the
CSV can never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import StreamingHttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from hub.core.csvsafe import csv_response

KINDS = ("bar", "stacked-bar", "line", "doughnut")


@dataclass
class Series:
    label: str
    values: list


@dataclass
class Chart:
    slug: str
    title: str
    kind: str  # "bar" | "stacked-bar" | "line" | "doughnut"
    labels: Sequence[str | Promise]  # lazy labels too: str() at output
    series: list[Series] = field(default_factory=list)
    csv_url: str = ""
    x_label: str = ""
    y_label: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Unknown chart kind {self.kind!r}")

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """(header, rows): one row per label, one column per series."""
        header = [str(self.x_label or _("Category"))]
        header += [str(s.label) for s in self.series]
        rows = [
            [str(label), *(s.values[i] for s in self.series)]
            for i, label in enumerate(self.labels)
        ]
        return header, rows

    def data(self) -> dict[str, Any]:
        """What ``charts.js`` reads (through ``json_script``)."""
        return {
            "kind": self.kind,
            "title": str(self.title),
            "labels": [str(label) for label in self.labels],
            "series": [
                {"label": str(s.label), "values": [_number(v) for v in s.values]}
                for s in self.series
            ],
            "xLabel": str(self.x_label),
            "yLabel": str(self.y_label),
        }

    @property
    def data_id(self) -> str:
        return f"chart-data-{self.slug}"

    @property
    def is_empty(self) -> bool:
        return not self.labels or not any(
            _number(v) for s in self.series for v in s.values
        )


def _number(value: Any) -> float | int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    return float(value)


def chart_csv_response(chart: Chart, filename: str) -> StreamingHttpResponse:
    """The chart's table as a formula-safe CSV download."""
    header, rows = chart.table()
    return csv_response(filename, header, rows)
