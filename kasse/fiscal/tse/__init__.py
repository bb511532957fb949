"""TSE backends behind one interface (:mod:`kasse.fiscal.tse.interface`)."""
