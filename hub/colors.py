"""Presence colours: stable per person, each with at least 4.5:1 contrast
against white text (cursor labels) and visible on a white page."""

from __future__ import annotations

PRESENCE_COLORS = [
    "#0b5394",  # blue
    "#8a1414",  # red
    "#14532d",  # green
    "#6b21a8",  # purple
    "#9a3412",  # orange-brown
    "#155e75",  # teal
    "#9d174d",  # magenta
    "#3f3f46",  # grey
]


def presence_color(user_id: int) -> str:
    return PRESENCE_COLORS[user_id % len(PRESENCE_COLORS)]
