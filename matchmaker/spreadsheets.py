"""Spreadsheets we write hold text as text: nothing a user typed can run as a formula when opened.

A title such as `=HYPERLINK("http://evil", "点击")` would otherwise be a live formula in Excel
or LibreOffice (CSV injection). CSV has no cell types, so such text gets a leading apostrophe
(OWASP's advice; spreadsheet programs hide it); in .xlsx the cell is stored as a string.
"""

from __future__ import annotations

from typing import Any

# What makes Excel or LibreOffice read a CSV cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def from_csv_cell(value: str) -> str:
    """The text `csv_cell` wrote (an import of our own export gives back the same rows)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def xlsx_row(sheet: Any, values: list[Any]) -> list[Any]:
    """Cells for `sheet.append` of a write-only sheet, text kept as text."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        if cell.data_type == "f":  # openpyxl reads any text starting with "=" as a formula
            cell.data_type = "s"
        cells.append(cell)
    return cells
