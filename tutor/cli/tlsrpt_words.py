"""The TLS-RPT result types (`sandbox.tlsrpt.report.MEANING`) in Japanese, for every command that
explains a report: `mta-sts lab`, `dane lab` and the matrix table (`matrix_table.py`)."""

from __future__ import annotations

# kept with the lab world's other words in the UI layer, which the lab screen's report dialog
# reads too (tutor.ui cannot import tutor.cli)
from tutor.ui.world_words import RESULT_JA as RESULT_JA  # keyed by `ResultType` value
