"""The DSFinV-K export's rows, read from the sales journal one cash point closing at a time.

The export unit is the cash point closing (Kassenabschluss): a closed shift with its Z number.
For each closing the journal is read in chunks of receipts (keyset by receipt number, a handful of
queries per chunk, no model instances), the rows of the twenty files are appended to
``ExportFiles`` (temporary files), and the closing's sums (Kassenabschlussmodul) are added up from
the very rows written, so the files agree with each other by construction.

What becomes a Vorgang (transactions.csv):

- every ``Sale`` (a sale, a return, an exchange's new sale): ``Beleg``, or the BON_TYP its TSE
  finish record carries (``AVTraining`` for a training receipt);
- every cart given up with its TSE transaction (``AVBelegabbruch``), from its TSE record: the cart
  itself is gone, its amounts per VAT rate are those of its processData;
- every cash movement (``AVTransfer``: Einzahlung, Auszahlung, … by its kind);
- the opening float (``AVTransfer``/``Anfangsbestand``) and a counted difference at the closing
  (``AVTransfer``/``DifferenzSollIst``), so that cash_per_currency is the cash counted in the drawer.

Training receipts and aborted carts are in the single records but not in the closing's sums
(they moved no money and are no revenue).
"""
