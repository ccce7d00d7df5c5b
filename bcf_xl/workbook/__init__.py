"""The workbook toolkit: what every generated workbook is declared with (layouts, writers, readers, rules)."""
