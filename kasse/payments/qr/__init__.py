"""Customer-presented QR and barcode payments (the customer shows a one-time code in an app, the cashier
scans it): the provider interface (:mod:`.providers`), Bluecode as the first provider (:mod:`.bluecode`),
routing a scanned code to its provider by prefix (:mod:`.routing`), the durable intent and its worker
(:mod:`.services`, :mod:`.runner`) and a local server that answers like Bluecode (:mod:`.bluecode_server`).

The intent is the same row as a card payment's (``CardPayment`` with ``provider``), so the register's
"one payment at a time", the manager page for unclear payments and the sync up are one mechanism.
docs/payments.md, "QR payments".
"""
