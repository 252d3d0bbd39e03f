from survtrial.cli import run

run()
