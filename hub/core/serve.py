"""Daphne, with the secrets of URLs redacted from its access log.

``python -m hub.core.serve`` takes exactly Daphne's arguments
(``python -m hub.core.serve -b 127.0.0.1 -p 8001 hub.asgi:application``).
Daphne writes its access log (``--access-log``, stdout by default) straight to
a stream, past the logging filters of ``settings.LOGGING``; this server hands
its access logger the path already redacted by ``hub.core.logredact``.
"""

from __future__ import annotations

import sys
from typing import Any

from daphne.cli import CommandLineInterface  # type: ignore[import-untyped]
from daphne.server import Server  # type: ignore[import-untyped]

from hub.core.logredact import redact_details


class RedactingServer(Server):
    """Daphne's server, passing redacted paths to its action (access) logger."""

    def log_action(self, protocol: str, action: str, details: dict[str, Any]) -> None:
        super().log_action(protocol, action, redact_details(details))


class RedactingCommandLineInterface(CommandLineInterface):
    server_class = RedactingServer


def main(argv: list[str] | None = None) -> None:
    RedactingCommandLineInterface().run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":  # pragma: no cover - run as a program
    main()
