"""Steps the end-to-end test runs inside the cloud process's environment (``python -m ...``):
add a scanner or a pole display to the one store of the world, ask for a display test, read what the
back office shows of them."""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> None:
    import django

    django.setup()
    from django_scopes import scope, scopes_disabled

    from kasse.core.actors import Actor
    from kasse.peripherals import services
    from kasse.peripherals.models import PoleDisplay
    from kasse.tenancy.models import Register

    actor = Actor(kind="system", label="world_steps")
    with scopes_disabled():
        register = Register.objects.select_related("store", "organization").get()
    with scope(organization=register.organization):
        command = argv[0]
        if command == "add-display":
            display = services.save_pole_display(
                actor=actor,
                store=register.store,
                data={
                    "name": "Kundenanzeige",
                    "register": register,
                    "serial_device": argv[1],
                    "baud_rate": 9600,
                    "code_page": "pc858",
                    "is_active": True,
                },
            )
            print(json.dumps({"display": str(display.pk)}))
        elif command == "add-scanner":
            scanner = services.save_scanner(
                actor=actor,
                store=register.store,
                data={
                    "name": "Handscanner",
                    "register": register,
                    "connection": "serial",
                    "serial_device": argv[1],
                    "baud_rate": 9600,
                    "is_active": True,
                },
            )
            print(json.dumps({"scanner": str(scanner.pk)}))
        elif command == "states":  # what the cloud's back office shows of the store's devices
            from kasse.peripherals.selectors import devices_by_store

            [entry] = devices_by_store()
            print(
                json.dumps(
                    {
                        "node": entry["node"].name if entry["node"] else None,
                        "scanners": {
                            str(r["scanner"].pk): {"status": r["status"].code, "last_code": r["status"].last_code}
                            for r in entry["scanners"]
                        },
                        "displays": {
                            str(r["display"].pk): {"status": r["status"].code, "lines": r["status"].lines}
                            for r in entry["displays"]
                        },
                    }
                )
            )
        elif command == "test-display":
            services.request_display_test(actor=actor, display=PoleDisplay.objects.get(pk=argv[1]))
        else:
            raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])
