"""Demo data and the demo launcher: a realistic German bakery-deli with two stores.

``kasse seed`` and ``kasse demo`` use :func:`kasse.demo.seed.seed_demo`. The
small default demo goes through the real services (so it is valid by
construction); large catalogs for benchmarks are bulk-inserted with the same
derived columns the services compute.
"""
