"""Presence colours: stable per person (the page and the sync server use the
same one), each with at least 4.5:1 contrast on white (WCAG AA) for carets
and names."""

from __future__ import annotations

PRESENCE_COLORS = [
    "#b91c1c",
    "#c2410c",
    "#a16207",
    "#4d7c0f",
    "#15803d",
    "#0f766e",
    "#0e7490",
    "#1d4ed8",
    "#6d28d9",
    "#a21caf",
    "#be185d",
]


def presence_color(user_id: int) -> str:
    return PRESENCE_COLORS[user_id % len(PRESENCE_COLORS)]
