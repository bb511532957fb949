from kasse.register.tests.conftest import bakery, cashier, device, till  # noqa: F401 - fixtures of the register
