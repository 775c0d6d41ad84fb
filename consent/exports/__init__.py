"""Consent PDFs and exports: the data and HTML, the WeasyPrint renderer, bulk ZIP exports."""
