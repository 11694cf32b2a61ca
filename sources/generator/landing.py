"""Write a complete landing directory for one council (or several, for scale runs)."""
from __future__ import annotations

import csv
import multiprocessing as mp
import os
import re
import shutil
import signal
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sources.contracts import (ASCS_RESPONSES, CENSUS_TS007A, CENSUS_TS038, CONTROCC_PAYMENTS,
                               CONTROCC_SERVICE_LINES, CQC_HSCA_ACTIVE_LOCATIONS, CQC_LATEST_RATINGS,
                               ELEMENT_RUNG_MAP, KPI_TARGETS, LAS_CLD, MYE_POPULATION, NATIONAL_COMPARATORS,
                               PREVALENCE_RATES, SNPP_POPULATION)
from sources.scenarios import SCENARIOS_DIR

from . import ons
from .calibration import load_targets, reference_dir
from .caseload import Builder
from .comparators import national_comparator_rows
from .cqc import CqcWriter
from .extracts import CldWriter, ControccWriter
from .geography import LocalAuthority, authority, councils_for_run
from .projections import prevalence_rows, scenario_files
from .rungs import ELEMENT_MAP
from .survey import survey_rows
from .timeline import add_months, first_day, last_day, month_label, month_list, parse_month

DEFAULT_COUNCIL = "E06000023"
DEFAULT_MONTHS = 36
DEFAULT_END_MONTH = "2024-03"
DEFAULT_SEED = 20240331
_MONTH_DIR = re.compile(r"^\d{4}-\d{2}$")


@dataclass(frozen=True)
class GeneratorConfig:
    out: Path
    council: str = DEFAULT_COUNCIL
    months: int = DEFAULT_MONTHS
    end_month: str = DEFAULT_END_MONTH
    seed: int = DEFAULT_SEED
    councils: int = 1
    reference: Path | None = None
    bom: bool = False
    workers: int = 0  # processes writing months in parallel; 0 = min(2, CPUs)


@dataclass
class CouncilSummary:
    council: str
    landing: Path
    months: list[str]
    files: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def write_csv(path: Path, header: list[str], rows: Iterable[list], bom: bool = False,
              quoting: int = csv.QUOTE_MINIMAL) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
        w = csv.writer(f, lineterminator="\n", quoting=quoting)
        w.writerow(header)
        for row in rows:
            w.writerow(row)
            n += 1
    return n


def write_lines(path: Path, header: list[str], lines: Iterable[str], bom: bool = False) -> int:
    """Write pre-rendered CSV lines (see extracts.render) under a csv-module header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
        csv.writer(f, lineterminator="\n").writerow(header)
        buf: list[str] = []
        for line in lines:
            buf.append(line)
            if len(buf) >= 5000:
                f.write("\n".join(buf) + "\n")
                n += len(buf)
                buf = []
        if buf:
            f.write("\n".join(buf) + "\n")
            n += len(buf)
    return n


def survey_years(months: list[tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """Survey year -> month folder: each March in range, and the survey in force when the range
    opens (written to the first month's folder) so every month has a latest survey."""
    out = {y: (y, 3) for (y, m) in months if m == 3}
    first = months[0]
    in_force = first[0] if first[1] >= 3 else first[0] - 1
    out.setdefault(in_force, first)
    return dict(sorted(out.items()))


def _clear(out: Path) -> None:
    """Remove a previous landing layout (month folders and reference/) from `out`."""
    if not out.exists():
        return
    for child in out.iterdir():
        if child.is_dir() and (_MONTH_DIR.match(child.name) or child.name in ("reference", SCENARIOS_DIR)):
            shutil.rmtree(child)


def generate_council(la: LocalAuthority, out: Path, months: int, end_month: str, seed: int,
                     index: int = 0, reference: Path | None = None, bom: bool = False,
                     workers: int = 1) -> CouncilSummary:
    t0 = time.perf_counter()
    end = parse_month(end_month)
    month_seq = month_list(end, months)
    rng = np.random.default_rng([seed, index])
    scale = la.pop_2021 / authority(DEFAULT_COUNCIL).pop_2021
    targets = load_targets(reference, scale=scale)
    kpi = _kpi_targets(reference)
    history_start = first_day(add_months(month_seq[0], -11))
    lines_start = first_day(add_months(month_seq[0], -1))
    end_day = last_day(end)
    builder = Builder(la, targets, rng, history_start, lines_start, end_day, kpi)
    caseload = builder.build()
    _clear(out)
    summary = CouncilSummary(la.code, out, [month_label(m) for m in month_seq])

    def put(path: Path, header: list[str], rows: Iterable[list], key: str, **kw: int) -> None:
        summary.rows[key] = summary.rows.get(key, 0) + write_csv(path, header, rows, bom=bom, **kw)
        summary.files += 1

    ref = out / "reference"
    put(ref / CENSUS_TS007A.file_name(), CENSUS_TS007A.column_names, ons.census_ts007a_rows(), "census_ts007a")
    put(ref / CENSUS_TS038.file_name(), ons.census_ts038_header(), ons.census_ts038_rows(), "census_ts038")
    put(ref / MYE_POPULATION.file_name(), MYE_POPULATION.column_names, ons.mye_rows(la, end[0] - 1),
        "mye_population", quoting=csv.QUOTE_NONNUMERIC)
    put(ref / SNPP_POPULATION.file_name(), ons.snpp_header(), ons.snpp_rows(), "snpp_population")
    put(ref / ELEMENT_RUNG_MAP.file_name(), ELEMENT_RUNG_MAP.column_names, [list(r) for r in ELEMENT_MAP],
        "element_rung_map")
    put(ref / KPI_TARGETS.file_name(), KPI_TARGETS.column_names, _kpi_rows(reference), "kpi_targets")
    put(ref / PREVALENCE_RATES.file_name(), PREVALENCE_RATES.column_names, prevalence_rows(), "prevalence_rates")
    put(ref / NATIONAL_COMPARATORS.file_name(), NATIONAL_COMPARATORS.column_names, national_comparator_rows(),
        "national_comparators")
    (out / SCENARIOS_DIR).mkdir(parents=True, exist_ok=True)
    for name, text in scenario_files(from_year=end[0] + 1).items():
        (out / SCENARIOS_DIR / name).write_text(text, encoding="utf-8")
        summary.files += 1

    state = _MonthWriter(la, caseload, builder.market.locations, add_months(end, -11), month_seq[0], out, bom)
    chunks = _chunks(month_seq, workers)
    if len(chunks) > 1 and "fork" in mp.get_all_start_methods():
        global _STATE
        _STATE = state
        try:
            # close + join, not the context manager's terminate(): terminate() SIGTERMs the
            # workers, and a worker forked from a process where Dagster has run in-process (the
            # tests) inherits Dagster's SIGTERM -> KeyboardInterrupt mapping; one interrupted while
            # holding the task queue's lock left another blocked on it, and terminate() waited
            # on that one for ever (seen once in the test suite).
            pool = mp.get_context("fork").Pool(len(chunks), initializer=_default_signals)
            try:
                results = pool.map(_write_chunk, chunks)
                pool.close()
            except BaseException:
                pool.terminate()
                raise
            finally:
                pool.join()
        finally:
            _STATE = None
    else:
        results = [state.write(chunk) for chunk in chunks]
    for rows, files in results:
        summary.files += files
        for k, v in rows.items():
            summary.rows[k] = summary.rows.get(k, 0) + v
    n_resp = max(100, int(round(500 * min(1.0, scale) if scale < 1 else 500 * scale ** 0.5)))
    for year, ym in survey_years(month_seq).items():
        srng = np.random.default_rng([seed, index, year])
        put(out / month_label(ym) / ASCS_RESPONSES.file_name(year=year), ASCS_RESPONSES.column_names,
            survey_rows(year, n_resp, srng), "ascs_responses")
    summary.seconds = time.perf_counter() - t0
    return summary


class _MonthWriter:
    """Writes the five monthly files of any months (each month depends only on the caseload)."""

    def __init__(self, la: LocalAuthority, caseload, locations, r2_from: tuple[int, int],  # type: ignore[no-untyped-def]
                 first_month: tuple[int, int], out: Path, bom: bool) -> None:
        self.cld = CldWriter(la, caseload, r2_from)
        self.controcc = ControccWriter(caseload, first_month)
        self.cqc = CqcWriter(locations)
        self.out, self.bom = out, bom

    def write(self, months: list[tuple[int, int]]) -> tuple[dict[str, int], int]:
        rows: dict[str, int] = {}
        files = 0
        bom = self.bom

        def add(key: str, n: int) -> None:
            nonlocal files
            rows[key] = rows.get(key, 0) + n
            files += 1

        for ym in months:
            label = month_label(ym)
            d = self.out / label
            add("las_cld", write_lines(d / LAS_CLD.file_name(label), LAS_CLD.column_names, self.cld.lines(ym), bom))
            add("controcc_service_lines", write_lines(d / CONTROCC_SERVICE_LINES.file_name(label),
                CONTROCC_SERVICE_LINES.column_names, self.controcc.line_lines(ym), bom))
            add("controcc_payments", write_csv(d / CONTROCC_PAYMENTS.file_name(label),
                CONTROCC_PAYMENTS.column_names, self.controcc.payment_rows(ym), bom))
            add("cqc_hsca_active_locations", write_lines(d / CQC_HSCA_ACTIVE_LOCATIONS.file_name(label),
                self.cqc.hsca_header, self.cqc.hsca_lines(ym), bom))
            add("cqc_latest_ratings", write_lines(d / CQC_LATEST_RATINGS.file_name(label), self.cqc.ratings_header,
                self.cqc.ratings_lines(ym), bom))
        return rows, files


_STATE: _MonthWriter | None = None


def _default_signals() -> None:
    """A pool worker's SIGTERM and SIGINT are the defaults, whatever its parent had set."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops the pool


def _write_chunk(months: list[tuple[int, int]]) -> tuple[dict[str, int], int]:
    assert _STATE is not None
    return _STATE.write(months)


def _chunks(months: list[tuple[int, int]], workers: int) -> list[list[tuple[int, int]]]:
    """Split months into `workers` interleaved groups (balanced: later files are not bigger)."""
    k = max(1, min(workers, len(months)))
    return [months[i::k] for i in range(k)]


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def _kpi_path(reference: Path | None) -> Path:
    return reference_dir(reference) / "bristol_kpi_targets_2023.csv"


def _kpi_rows(reference: Path | None) -> list[list[str]]:
    with open(_kpi_path(reference), newline="", encoding="utf-8-sig") as f:
        return [[r[c] for c in KPI_TARGETS.column_names] for r in csv.DictReader(f)]


def _kpi_targets(reference: Path | None) -> dict[str, tuple[float, float]]:
    cols = KPI_TARGETS.column_names
    return {r[0]: (float(r[2]), float(r[3])) for r in _kpi_rows(reference) if r[2] and r[3] and cols}


def generate(cfg: GeneratorConfig) -> list[CouncilSummary]:
    """Write the landing directory (or, with councils > 1, one per council under cfg.out)."""
    las = councils_for_run(cfg.council, cfg.councils)
    parse_month(cfg.end_month)
    if cfg.months < 1:
        raise ValueError("--months must be at least 1")
    out = []
    for i, la in enumerate(las):
        target = cfg.out if cfg.councils == 1 else cfg.out / la.code
        out.append(generate_council(la, target, cfg.months, cfg.end_month, cfg.seed, i, cfg.reference, cfg.bom,
                                    cfg.workers or default_workers()))
    return out
