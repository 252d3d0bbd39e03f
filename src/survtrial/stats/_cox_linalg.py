"""R survival's generalized Cholesky for the Cox fit: ``cholesky2.c``, ``chsolve2.c``, ``chinv2.c``.

The matrices are p x p (p = number of covariates, small), held as lists of lists: plain Python
loops on a handful of numbers, exactly in R's order of operations. ``cholesky2`` factors a
symmetric matrix as ``L D L'`` (stored in the lower triangle, D on the diagonal); a pivot below
``toler * max(diag)`` counts as zero (the column is a linear combination of earlier ones), and
``chsolve2`` / ``chinv2`` then treat that column as absent (0 in the solution and the inverse).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["TOLER_CHOL", "chinv2", "cholesky2", "chsolve2", "quad_form_solve"]

#: R's ``coxph.control()$toler.chol``: ``.Machine$double.eps^0.75``.
TOLER_CHOL = float(np.finfo(float).eps) ** 0.75


def cholesky2(m: list[list[float]], toler: float) -> tuple[list[list[float]], list[int]]:
    """``L D L'`` in the lower triangle (D on the diagonal); returns it and the zero pivots."""
    n = len(m)
    a = [row[:] for row in m]
    for i in range(n):
        for j in range(i + 1, n):
            a[j][i] = a[i][j]
    eps = max([a[i][i] for i in range(n)] + [0.0])
    eps = toler if eps == 0 else eps * toler
    zero: list[int] = []
    for i in range(n):
        pivot = a[i][i]
        if not math.isfinite(pivot) or pivot < eps:
            a[i][i] = 0.0
            zero.append(i)
        else:
            for j in range(i + 1, n):
                temp = a[j][i] / pivot
                a[j][i] = temp
                a[j][j] -= temp * temp * pivot
                for k in range(j + 1, n):
                    a[k][j] -= temp * a[k][i]
    return a, zero


def chsolve2(a: list[list[float]], y: list[float]) -> list[float]:
    n = len(a)
    y = y[:]
    for i in range(n):
        temp = y[i]
        for j in range(i):
            temp -= y[j] * a[i][j]
        y[i] = temp
    for i in range(n - 1, -1, -1):
        if a[i][i] == 0:
            y[i] = 0.0
        else:
            temp = y[i] / a[i][i]
            for j in range(i + 1, n):
                temp -= y[j] * a[j][i]
            y[i] = temp
    return y


def chinv2(a: list[list[float]]) -> list[list[float]]:
    """Inverse of the matrix whose ``cholesky2`` factor is ``a`` (full symmetric result)."""
    n = len(a)
    m = [row[:] for row in a]
    for i in range(n):
        if m[i][i] > 0:
            m[i][i] = 1.0 / m[i][i]
            for j in range(i + 1, n):
                m[j][i] = -m[j][i]
                for k in range(i):
                    m[j][k] += m[j][i] * m[i][k]
    for i in range(n):
        if m[i][i] == 0:
            for j in range(i):
                m[j][i] = 0.0
            for j in range(i, n):
                m[i][j] = 0.0
        else:
            for j in range(i + 1, n):
                temp = m[j][i] * m[j][j]
                m[i][j] = temp
                for k in range(i, j):
                    m[i][k] += temp * m[j][k]
    for i in range(n):
        for j in range(i):
            m[i][j] = m[j][i]
    return m


def quad_form_solve(v: list[list[float]], b: list[float]) -> float:
    """``b' v^- b`` via ``cholesky2`` (R's ``coxph.wtest``)."""
    chol, _ = cholesky2(v, TOLER_CHOL)
    s = chsolve2(chol, b)
    return float(sum(bi * si for bi, si in zip(b, s, strict=True)))
