"""Source readers: the landing-directory contract (`contracts`) and the loader into `raw`.

Public API (see sources/README.md): `sources.loader.load_month`, `load_reference`,
`discover_months`, `LoadReport`, `SourceFileError`.
"""
