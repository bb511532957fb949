"""The suite's shared fixtures and hooks live in one pytest plugin: ``kasse/testing/plugin.py``."""

pytest_plugins = ["kasse.testing.plugin"]
