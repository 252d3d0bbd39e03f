"""Trial data in and out: input files to an :class:`~survtrial.analysis.data.AnalysisData`,
and the ADaM data sets of a simulated trial.

* :mod:`~survtrial.io.readers`: CSV, Parquet, XPT, SAS7BDAT, format detected by content.
* :mod:`~survtrial.io.analysis_input`: :func:`load_analysis_data` (one function per step),
  with :class:`~survtrial.io.options.LoadOptions`.
* :mod:`~survtrial.io.columns` (which column plays which role), :mod:`~survtrial.io.values`
  (times, 0/1 codes, dates, units), :mod:`~survtrial.io.adsl` and :mod:`~survtrial.io.adae`
  (merges), :mod:`~survtrial.io.problems` (how a bad value is reported).
* :mod:`~survtrial.io.adam`: ADSL, ADTTE, ADAE of a simulated trial.
"""
