"""Rendering of survtrial's results: tables, figures and files, from result objects."""
