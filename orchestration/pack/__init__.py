"""The published pack: exports/YYYY-MM/ (KPI pack, MPS tables, report.html, manifest.json).

API: `publish_month(con, month, exports_dir, *, council, manifest_extra) -> Path`; raises
`AlreadyPublished` when the month's folder exists (it is never overwritten);
`republish_month(...)` re-issues a published month as a new version beside it (`YYYY-MM-vN/`).
Revisions policy (`[r]`, `[x]`, audit.published_figures): revisions.py. See README.md.
"""
from orchestration.pack.atomic import AlreadyPublished
from orchestration.pack.publish import PackError, build_pack, publish_month, republish_month

__all__ = ["AlreadyPublished", "PackError", "build_pack", "publish_month", "republish_month"]
