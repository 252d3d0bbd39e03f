"""pytest fixtures and hooks shared by the tests (none are needed yet).

Shared helpers (fixture readers, ``assert_close``) live in tests/helpers.py: import them from
there, never from this file, which pytest loads by itself.
"""
