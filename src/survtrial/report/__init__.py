"""Rendering of result objects: tables (text, CSV), figures (matplotlib) and HTML pages from
Jinja2 template files, and JSON at the edge. Takes result objects, never raw data."""
