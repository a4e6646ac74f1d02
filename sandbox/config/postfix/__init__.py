"""Postfix `main.cf` and `master.cf`, read as Postfix reads them (`reader.py`) and enacted by the
sandbox (`enact.py`)."""
