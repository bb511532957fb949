"""mDNS browsing on the loopback interface: a service registered on 127.0.0.1 is found."""

import socket

import pytest


def test_zeroconf_browse_finds_a_printer_registered_on_loopback():
    zeroconf = pytest.importorskip("zeroconf")
    from kasse.hardware.discovery.zeroconf_browse import browse_printers

    try:
        publisher = zeroconf.Zeroconf(interfaces=["127.0.0.1"])
    except OSError as exc:
        pytest.skip(f"cannot open mDNS sockets on 127.0.0.1 in this sandbox: {exc}")
    info = zeroconf.ServiceInfo(
        "_pdl-datastream._tcp.local.",
        "Kasse Testdrucker._pdl-datastream._tcp.local.",
        addresses=[socket.inet_aton("127.0.0.1")],
        port=9100,
        properties={"ty": "Virtual TM-T20"},
        server="kasse-test.local.",
    )
    try:
        publisher.register_service(info)
        result = browse_printers(interfaces=["127.0.0.1"], wait=1.5)
    finally:
        publisher.unregister_service(info)
        publisher.close()

    if result.reason:
        pytest.skip(f"mDNS unavailable on loopback here: {result.reason}")
    if not result.services:
        pytest.skip("multicast on the loopback interface delivered nothing in this sandbox")
    [service] = [s for s in result.services if s.name == "Kasse Testdrucker"]
    assert service.service_type == "_pdl-datastream._tcp.local."
    assert service.addresses == ("127.0.0.1",)
    assert service.port == 9100
    assert service.properties == {"ty": "Virtual TM-T20"}
    assert service.raw_escpos_candidate
