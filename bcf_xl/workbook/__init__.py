"""One toolkit for writing workbooks: the planning workbook (XlsxWriter) and NHS England's templates (openpyxl)
are declared with the same formats, dropdown lists, validations, protection, printing and formula pieces."""
