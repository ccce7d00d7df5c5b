"""The workbook toolkit: what every bcf-xl workbook (the planning workbook, NHS England's templates and returns)
is declared with and read through."""
