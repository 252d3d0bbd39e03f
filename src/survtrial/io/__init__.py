"""Reading and writing trial data (ADaM-style data sets)."""
