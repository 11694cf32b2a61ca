"""CSV bytes of a published table: UTF-8 (no BOM), LF line ends, machine column names, published rounding."""
from __future__ import annotations

import csv
import io

from orchestration.pack.rounding import csv_text
from orchestration.pack.tables import PublishedTable


def table_csv(table: PublishedTable) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([c.name for c in table.columns])
    for row in table.rows:
        writer.writerow([csv_text(row.get(c.name), c.kind_for(row)) for c in table.columns])
    return buf.getvalue().encode("utf-8")
