"""One module per command of ``python -m aesthetics_lib`` (see :mod:`aesthetics_lib.cli`)."""
