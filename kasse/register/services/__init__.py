"""Register services: pairing devices, cart operations, scanning."""
