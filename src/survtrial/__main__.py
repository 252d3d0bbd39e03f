"""``python -m survtrial``: the same as the ``survtrial`` command."""

from survtrial.cli import run

if __name__ == "__main__":  # worker processes import this module too: they must not run it
    run()
