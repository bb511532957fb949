"""``kasse cloud``: serve the cloud with uvicorn (ASGI: HTTP and WebSockets).

Production refuses to start without a secret key and allowed hosts (settings).
Several workers need ``REDIS_URL`` so WebSocket messages reach every process.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

LOG_LEVELS = ["critical", "error", "warning", "info", "debug"]


class Command(BaseCommand):
    help = "Serve kasse (cloud role) with uvicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)"
        )
        parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
        parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
        parser.add_argument("--migrate", action="store_true", help="apply database migrations first")
        parser.add_argument("--log-level", default="info", choices=LOG_LEVELS)
        parser.add_argument(
            "--forwarded-allow-ips",
            default="127.0.0.1",
            help="proxies whose X-Forwarded-* headers are trusted (default 127.0.0.1)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        config = uvicorn_options(options)
        if config["workers"] > 1 and not settings.REDIS_URL:
            self.stderr.write(
                self.style.WARNING(
                    "Several workers without REDIS_URL: live updates only reach clients of the same worker."
                )
            )
        if options["migrate"]:
            call_command("migrate", interactive=False, verbosity=1, stdout=self.stdout)
        # TSE transactions a crash left between start and finish are finished or cancelled first
        # (docs/fiscal.md, Integration item 5; the command lives with the register, called by name).
        try:
            call_command("tse_recover", stdout=self.stdout)
        except Exception as exc:  # never keeps the cloud from serving; `kasse tse_recover` runs it again
            self.stderr.write(self.style.WARNING(f"Open TSE transactions were not recovered: {exc}"))
        try:  # the periodic tasks' chains (docs/architecture.md, "Background tasks"); the worker runs them
            from kasse.core.periodic import ensure_scheduled

            ensure_scheduled()
        except Exception as exc:  # never keeps the cloud from serving; `kasse worker` starts them too
            self.stderr.write(self.style.WARNING(f"Periodic tasks were not scheduled: {exc}"))
        import os

        import uvicorn

        from kasse.core.preload import ENVIRONMENT
        from kasse.payments.qr.runner import QrPaymentRunner

        os.environ[ENVIRONMENT] = "1"  # each worker loads views and tasks before it serves (kasse/core/preload.py)

        qr_payments = QrPaymentRunner().start()  # QR payments of registers served by the cloud
        try:
            uvicorn.run(**config)
        finally:
            qr_payments.stop()


def uvicorn_options(options: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments for ``uvicorn.run`` from the command's options."""
    if not 0 < options["port"] < 65536:
        raise CommandError("--port must be between 1 and 65535.")
    if options["workers"] < 1:
        raise CommandError("--workers must be 1 or more.")
    return {
        "app": "kasse.asgi:application",
        "host": options["host"],
        "port": options["port"],
        "workers": options["workers"],
        "log_level": options["log_level"],
        "lifespan": "off",
        "ws": "websockets-sansio",
        "proxy_headers": True,
        "forwarded_allow_ips": options["forwarded_allow_ips"],
    }
