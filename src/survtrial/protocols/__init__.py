"""Built-in trial protocols (TOML) and their data files; see :mod:`survtrial.protocol`."""
