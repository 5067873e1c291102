"""Batches: many cases (tickets, collections) analysed one case at a time, in order, in this
process, in worker processes or on a Dask cluster (:func:`analyze_case` is the unit).

Imports the evidence and rds stages (the analysis of one case) and report (its documents);
nothing below imports a batch."""

from .case import CaseOptions, CaseResult, analyze_case
from .cases import Case, split_cases
from .run import run_cases

__all__ = ["Case", "CaseOptions", "CaseResult", "analyze_case", "run_cases", "split_cases"]
