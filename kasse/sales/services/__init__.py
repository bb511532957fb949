"""Writes of the sales context: checkout, returns, shifts and cash."""
