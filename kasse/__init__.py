"""kasse: open-source cloud point of sale with an offline-first store node."""

__version__ = "0.1.0"
