"""The workbook toolkit: what every bcf-xl workbook (the planning workbook on XlsxWriter, NHS England's templates
and returns on openpyxl) is declared with, written with and read through: tables and fields, formats, dropdown
lists, validations, protection, printing, formula pieces, the table reader and the placing of findings."""
