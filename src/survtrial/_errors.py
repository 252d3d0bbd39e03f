"""The one exception type for user errors."""


class InputError(ValueError):
    """A user error: bad data, a bad argument or a malformed protocol.

    The message names the argument (or field), the first offending row or index when there is
    one, and what to do about it. The command-line interface prints it on one line and exits
    with status 2, without a traceback.
    """
