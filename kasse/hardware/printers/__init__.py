"""Receipt printers: a typed receipt document, printer profiles, the ESC/POS renderer and status parser."""
