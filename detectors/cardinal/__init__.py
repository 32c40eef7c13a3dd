"""Open Contracting Partnership Cardinal red-flag indicators on OCDS compiled releases."""
