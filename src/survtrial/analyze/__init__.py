"""Temporary home of the input loader while it moves to survtrial.io."""
