"""Device drivers for the store node: receipt printers, transports and other peripherals.

A standalone library without Django imports (Home Assistant style): protocol code lives here,
kasse's Django apps call into it and never the other way round.
"""
