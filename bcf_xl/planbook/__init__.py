"""The planning workbook: its one layout definition, the builder, the reader and its VBA project."""
