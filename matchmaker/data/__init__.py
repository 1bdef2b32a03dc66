"""Data files the product reads at run time, shipped inside the package.

taxonomy/ (sectors, regions, categories, organization kinds), tokenizer/ (jieba user
dictionary, stop words), crosswalk/ (occupations ↔ majors ↔ sectors, built by
scripts/build_crosswalk.py), reference/ (the public reference data with its sources) and
demo/ (what `matchmaker load-demo` generates its data set from). Read them through
`data_dir`, so an installed package works wherever it is installed.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable


def data_dir(name: str) -> Traversable:
    """One folder of the package's data files, e.g. `data_dir("taxonomy") / "sectors.json"`."""
    return files(__name__) / name
