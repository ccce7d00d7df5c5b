"""bcf-xl: exact Better Care Fund planning calculations behind Excel.

The engine is pure Python over Decimal money and frozen records; it imports nothing
Excel-facing. The Excel adapters live in ``udfs/`` and ``macros/``.
"""

__version__ = "0.1.0"
