"""Finding printers: a TCP 9100 status probe of a given address range, mDNS browsing, USB enumeration.

Nothing here scans on its own: every network function takes the addresses or interfaces to use.
"""
