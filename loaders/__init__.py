"""Loaders: ledger files (Excel, CSV) into record tables for a store.

``read`` decodes files into raw text cells, ``parse`` parses them and ``resolve`` resolves
their references, ``vocabulary`` reads the keeper's 词表, ``ledger`` checks and loads a ledger
into a store, ``causes`` groups its problems by root cause, ``template`` writes the empty
ledger workbook.
"""

from loaders.ledger import LoadReport, load, validate
from loaders.parse import Parsed, parse_ledger
from loaders.read import RawSheet, read_ledger
from loaders.template import write_template

__all__ = [
    "LoadReport",
    "Parsed",
    "RawSheet",
    "load",
    "parse_ledger",
    "read_ledger",
    "validate",
    "write_template",
]
