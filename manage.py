#!/usr/bin/env python
"""Django's manage.py, for those who expect it; ``kasse`` does the same."""

from kasse.cli import main

if __name__ == "__main__":
    main()
