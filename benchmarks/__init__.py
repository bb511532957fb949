"""Benchmarks of kasse: `make bench` runs them all and writes docs/benchmarks.md."""
