"""Bad input raises survtrial.InputError naming the argument and the first offending index."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survtrial import InputError
from survtrial.stats import kaplan_meier, logrank, milestone_difference, rmst

T = [1.0, 2.0, 3.0, 4.0]
E = [1, 0, 1, 1]
G = ["a", "a", "b", "b"]


@pytest.mark.parametrize(
    ("time", "match"),
    [
        ([1.0, np.nan, 3.0, 4.0], r"time: missing \(NaN\) at index 1 is not a finite time"),
        ([1.0, 2.0, np.inf, 4.0], r"time: value inf at index 2 is not a finite time"),
        ([1.0, 2.0, 3.0, -4.0], r"time: value -4.0 at index 3 is negative"),
        ([1.0, "x", 3.0, 4.0], r"time: value 'x' at index 1 is not a number"),
        ([], r"time: is empty"),
    ],
)
def test_bad_times(time, match):
    with pytest.raises(InputError, match=match):
        kaplan_meier(time, E[: len(time)] if time else [])


@pytest.mark.parametrize(
    ("event", "match"),
    [
        ([1, 2, 0, 1], r"event: value 2 at index 1 is not a code in 0..1"),
        ([1, 0, -1, 1], r"event: value -1 at index 2"),
        ([1, 0, 0.5, 1], r"event: value 0.5 at index 2"),
        ([1, 0, np.nan, 1], r"event: missing \(NaN\) at index 2"),
        ([1, 0, 1], r"event: has 3 values but time has 4"),
    ],
)
def test_bad_events(event, match):
    with pytest.raises(InputError, match=match):
        kaplan_meier(T, event)


def test_input_error_is_a_value_error():
    assert issubclass(InputError, ValueError)


def test_fewer_than_two_groups():
    with pytest.raises(InputError, match=r"group: found 1 group\(s\) \(a\); at least 2"):
        logrank(T, E, ["a"] * 4)


def test_group_with_no_patients():
    group = pd.Series(pd.Categorical(G, categories=["a", "b", "c"]))
    with pytest.raises(InputError, match=r"group: group 'c' has no patients"):
        logrank(T, E, group)


def test_missing_group_label():
    with pytest.raises(InputError, match=r"group: missing value at index 2"):
        logrank(T, E, ["a", "a", None, "b"])
    with pytest.raises(InputError, match=r"strata: missing value at index 0"):
        logrank(T, E, G, strata=[np.nan, 1.0, 1.0, 2.0])


def test_group_length_differs():
    with pytest.raises(InputError, match=r"group: has 3 values but time has 4"):
        logrank(T, E, G[:3])


def test_negative_rho():
    with pytest.raises(InputError, match=r"rho: must be a finite number >= 0"):
        logrank(T, E, G, rho=-1)


def test_tau_beyond_last_follow_up():
    msg = r"tau: 3.5 is beyond the last follow-up time of group 'a'"
    with pytest.raises(InputError, match=msg):
        rmst(T, E, G, tau=3.5)
    with pytest.raises(InputError, match=r"tau: must be a positive finite time"):
        rmst(T, E, G, tau=0)


def test_milestone_needs_two_groups():
    with pytest.raises(InputError, match=r"group: a milestone difference needs two groups, got 3"):
        milestone_difference(T, E, ["a", "b", "c", "c"], 2.0)


def test_bad_confidence_arguments():
    km = kaplan_meier(T, E)
    with pytest.raises(InputError, match=r"method: 'logit' is not one of log, log-log, plain"):
        km.confidence_interval(method="logit")
    with pytest.raises(InputError, match=r"confidence_level: must lie in \(0, 1\)"):
        km.confidence_interval(confidence_level=95)


@pytest.mark.parametrize(
    ("column", "values", "match"),
    [
        (
            "group",
            pd.array(["a", "b", None, "b"], dtype="string"),
            r"group: missing value at index 2",
        ),
        ("group", np.array(["a", None, "a", "b"], dtype=object),
            r"group: missing value at index 1"),
        ("group", pd.Series(["a", "b", "a", "b"]).astype("category").cat.set_categories(
            ["a", "b"]).where([True, True, False, True]), r"group: missing value at index 2"),
        ("event", pd.array([1, 0, None, 1], dtype="Int64"), r"event: missing"),
        ("time", pd.array([1.0, None, 3.0, 4.0], dtype="Float64"), r"time: missing"),
        ("time", np.array([1.0, None, 3.0, 4.0], dtype=object), r"time: missing value at index 1"),
    ],
)
def test_missing_values_in_pandas_arrays_are_refused(column, values, match):
    """pandas missing markers (pd.NA, None) must not become a label like '<NA>' or be dropped."""
    args = {"time": [1.0, 2.0, 3.0, 4.0], "event": [1, 0, 1, 1], "group": ["a", "b", "a", "b"]}
    args[column] = values
    with pytest.raises(InputError, match=match):
        logrank(args["time"], args["event"], args["group"])
    if column != "group":
        with pytest.raises(InputError, match=match):
            kaplan_meier(args["time"], args["event"])


def test_a_filtered_data_frame_column_names_the_row_label_too():
    df = pd.DataFrame({"t": [1.0, 2.0, 3.0, -4.0, 5.0], "e": [1, 0, 1, 1, 0]})
    kept = df[df.t != 1.0]  # positions now differ from the row labels
    with pytest.raises(InputError, match=r"time: value -4.0 at index 2 \(row label 3\)"):
        kaplan_meier(kept.t, kept.e)
    with pytest.raises(InputError, match=r"time: value -4.0 at index 3 is negative"):
        kaplan_meier(df.t, df.e)  # default index: the position is the label
