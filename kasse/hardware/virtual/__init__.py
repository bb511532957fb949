"""Virtual devices for tests and the demo: an ESC/POS network printer and a TSPL/ZPL label printer.

They are real TCP servers on 127.0.0.1 that decode what they receive into text and pictures, so
tests and `make demo` exercise the same bytes a shop's printer would get.
"""
