"""Printing on the store node: printers per store, the durable print queue and its workers."""
