"""The published pack: exports/YYYY-MM/ (KPI pack, MPS tables, report.html, manifest.json).

API: `publish_month(con, month, exports_dir, *, council, manifest_extra) -> Path`; raises
`AlreadyPublished` when the month's folder exists (it is never overwritten). See README.md.
"""
from orchestration.pack.atomic import AlreadyPublished
from orchestration.pack.publish import PackError, build_pack, publish_month

__all__ = ["AlreadyPublished", "PackError", "build_pack", "publish_month"]
