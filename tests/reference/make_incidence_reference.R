#!/usr/bin/env Rscript
# Writes fixtures/incidence/tables.json and fixtures/incidence/strata.json, which
# tests/test_incidence.py compares against: adverse-event incidence comparisons of two arms.
# Run from this folder:  Rscript make_incidence_reference.R   (make_reference.R also runs it)
# Needs base R (stats) and r-cran-jsonlite.
#
# Each 2 x 2 table is (events1 of n1 in group 1, events2 of n2 in group 2); effect measures are
# group 2 relative to group 1, so R gets the matrix with group 2 in the first row.
#   fisher.test (two.sided, less, greater): p-value, conditional MLE, exact interval; and the
#     same MLE and interval recomputed with fisher.test's own functions but a tight uniroot
#     tolerance (fisher.test's default, .Machine$double.eps^0.25, gives only ~4 digits)
#   chisq.test (correct = TRUE / FALSE) and prop.test (correct = TRUE / FALSE)
#   Newcombe's hybrid score interval (methods 10 and 11), the Katz relative-risk interval and
#   the Woolf odds-ratio interval, written out here by formula
#   mantelhaen.test on 2 x 2 x K arrays, with and without continuity correction
options(digits = 17, warn = 1)
suppressPackageStartupMessages(library(jsonlite))
dir.create("fixtures/incidence", showWarnings = FALSE, recursive = TRUE)

num17 <- function(x) {
  x <- as.numeric(x)
  s <- ifelse(is.finite(x), sprintf("%.17g", x),
              ifelse(is.na(x), "null", ifelse(x > 0, "\"inf\"", "\"-inf\"")))
  structure(paste0("[", paste(s, collapse = ","), "]"), class = "json")
}
write_json17 <- function(obj, path) {
  writeLines(toJSON(obj, json_verbatim = TRUE, auto_unbox = TRUE, digits = NA, na = "null",
                    null = "null"), path)
}

tables <- list(
  # Newcombe (1998) Table II examples (group 2 = the first proportion of the paper)
  c(48, 80, 56, 70), c(3, 10, 9, 10), c(2, 7, 6, 7), c(0, 29, 5, 56), c(0, 20, 0, 10),
  c(0, 20, 10, 10), c(0, 10, 10, 10),
  # adverse-event-like tables
  c(12, 150, 25, 148), c(7, 720, 0, 720), c(150, 300, 150, 300), c(30, 1000, 45, 1000),
  c(1, 2, 2, 2), c(5, 5, 0, 5), c(3, 40, 1, 38), c(17, 17, 16, 16)
)

wilson <- function(x, n, z, cc) {
  p <- x / n
  if (!cc) {
    half <- z * sqrt(z^2 + 4 * x * (1 - p))
    return(c((2 * x + z^2 - half) / (2 * (n + z^2)), (2 * x + z^2 + half) / (2 * (n + z^2))))
  }
  lo <- if (x == 0) 0 else
    (2 * n * p + z^2 - 1 - z * sqrt(z^2 - 2 - 1 / n + 4 * p * (n * (1 - p) + 1))) / (2 * (n + z^2))
  hi <- if (x == n) 1 else
    (2 * n * p + z^2 + 1 + z * sqrt(z^2 + 2 - 1 / n + 4 * p * (n * (1 - p) - 1))) / (2 * (n + z^2))
  c(max(lo, 0), min(hi, 1))
}

newcombe <- function(e1, n1, e2, n2, level, cc) {
  z <- qnorm(1 - (1 - level) / 2)
  p1 <- e1 / n1; p2 <- e2 / n2
  w1 <- wilson(e1, n1, z, cc); w2 <- wilson(e2, n2, z, cc)
  d <- p2 - p1
  c(d, d - sqrt((p2 - w2[1])^2 + (w1[2] - p1)^2), d + sqrt((w2[2] - p2)^2 + (p1 - w1[1])^2))
}

katz <- function(e1, n1, e2, n2, level) {
  z <- qnorm(1 - (1 - level) / 2)
  rr <- (e2 / n2) / (e1 / n1)
  if (e1 == 0 || e2 == 0) return(c(rr, NA, NA))
  se <- sqrt(1 / e2 - 1 / n2 + 1 / e1 - 1 / n1)
  c(rr, rr * exp(-z * se), rr * exp(z * se))
}

woolf <- function(e1, n1, e2, n2, level) {
  z <- qnorm(1 - (1 - level) / 2)
  a <- e2; b <- n2 - e2; c <- e1; d <- n1 - e1
  or <- (a * d) / (b * c)
  if (min(a, b, c, d) == 0) return(c(or, NA, NA))
  se <- sqrt(1 / a + 1 / b + 1 / c + 1 / d)
  c(or, or * exp(-z * se), or * exp(z * se))
}

# fisher.test's conditional MLE and exact interval (its own code) with a tight tolerance
fisher_tight <- function(x, conf.level, alternative) {
  m <- sum(x[, 1L]); n <- sum(x[, 2L]); k <- sum(x[1L, ]); x <- x[1L, 1L]
  lo <- max(0L, k - n); hi <- min(k, m)
  support <- lo:hi
  logdc <- dhyper(support, m, n, k, log = TRUE)
  dnhyper <- function(ncp) { d <- logdc + log(ncp) * support; d <- exp(d - max(d)); d / sum(d) }
  mnhyper <- function(ncp) {
    if (ncp == 0) return(lo)
    if (ncp == Inf) return(hi)
    sum(support * dnhyper(ncp))
  }
  pnhyper <- function(q, ncp = 1, upper.tail = FALSE) {
    if (ncp == 1) return(if (upper.tail) phyper(x - 1, m, n, k, lower.tail = FALSE)
                         else phyper(x, m, n, k))
    if (ncp == 0) return(as.numeric(if (upper.tail) q <= lo else q >= lo))
    if (ncp == Inf) return(as.numeric(if (upper.tail) q <= hi else q >= hi))
    sum(dnhyper(ncp)[if (upper.tail) support >= q else support <= q])
  }
  ur <- function(f, int) uniroot(f, int, tol = 1e-15, maxiter = 10000)$root
  mle <- if (x == lo) 0 else if (x == hi) Inf else {
    mu <- mnhyper(1)
    if (mu > x) ur(function(t) mnhyper(t) - x, c(0, 1))
    else if (mu < x) 1 / ur(function(t) mnhyper(1 / t) - x, c(.Machine$double.eps, 1))
    else 1
  }
  ncp.U <- function(x, alpha) {
    if (x == hi) return(Inf)
    p <- pnhyper(x, 1)
    if (p < alpha) ur(function(t) pnhyper(x, t) - alpha, c(0, 1))
    else if (p > alpha) 1 / ur(function(t) pnhyper(x, 1 / t) - alpha, c(.Machine$double.eps, 1))
    else 1
  }
  ncp.L <- function(x, alpha) {
    if (x == lo) return(0)
    p <- pnhyper(x, 1, upper.tail = TRUE)
    if (p > alpha) ur(function(t) pnhyper(x, t, upper.tail = TRUE) - alpha, c(0, 1))
    else if (p < alpha) 1 / ur(function(t) pnhyper(x, 1 / t, upper.tail = TRUE) - alpha,
                               c(.Machine$double.eps, 1))
    else 1
  }
  ci <- switch(alternative, less = c(0, ncp.U(x, 1 - conf.level)),
               greater = c(ncp.L(x, 1 - conf.level), Inf),
               two.sided = c(ncp.L(x, (1 - conf.level) / 2), ncp.U(x, (1 - conf.level) / 2)))
  c(mle, ci)
}

chisq_entry <- function(f) {
  r <- tryCatch(suppressWarnings(f()), error = function(e) NULL)
  if (is.null(r)) return(list(stat = num17(NA), p = num17(NA)))
  list(stat = num17(unname(r$statistic)), p = num17(r$p.value))
}

out <- list()
for (tb in tables) {
  e1 <- tb[1]; n1 <- tb[2]; e2 <- tb[3]; n2 <- tb[4]
  x <- matrix(c(e2, e1, n2 - e2, n1 - e1), 2, 2)  # rows: group 2, group 1
  entry <- list(events1 = e1, n1 = n1, events2 = e2, n2 = n2)
  for (level in c(0.95, 0.9)) {
    key <- paste0("level_", level * 100)
    entry[[key]] <- list(
      newcombe = num17(newcombe(e1, n1, e2, n2, level, FALSE)),
      newcombe_cc = num17(newcombe(e1, n1, e2, n2, level, TRUE)),
      katz = num17(katz(e1, n1, e2, n2, level)),
      woolf = num17(woolf(e1, n1, e2, n2, level))
    )
  }
  fis <- list()
  for (alt in c("two.sided", "less", "greater")) {
    ft <- fisher.test(x, alternative = alt)
    fis[[alt]] <- list(p = num17(ft$p.value), estimate = num17(unname(ft$estimate)),
                       conf_int = num17(ft$conf.int),
                       tight = num17(fisher_tight(x, 0.95, alt)))
  }
  entry$fisher <- fis
  entry$chisq_correct <- chisq_entry(function() chisq.test(x, correct = TRUE))
  entry$chisq_plain <- chisq_entry(function() chisq.test(x, correct = FALSE))
  entry$prop_correct <- chisq_entry(function() prop.test(c(e2, e1), c(n2, n1), correct = TRUE))
  entry$prop_plain <- chisq_entry(function() prop.test(c(e2, e1), c(n2, n1), correct = FALSE))
  out[[length(out) + 1]] <- entry
}
write_json17(out, "fixtures/incidence/tables.json")
cat("wrote incidence tables\n")

# stratified 2 x 2 x K sets: each stratum (events1, n1, events2, n2)
strata_sets <- list(
  three_centres = rbind(c(5, 50, 12, 52), c(3, 40, 8, 41), c(10, 100, 15, 98)),
  with_zeros = rbind(c(0, 10, 3, 12), c(2, 15, 0, 14), c(1, 20, 4, 20), c(0, 5, 0, 6)),
  small_delta = rbind(c(2, 10, 2, 10), c(3, 12, 3, 11)),
  large = rbind(c(120, 1000, 160, 1000), c(80, 900, 95, 910), c(60, 700, 71, 690),
                c(33, 400, 52, 410)),
  zero_offdiag = rbind(c(0, 8, 4, 8), c(0, 6, 2, 7))
)
sout <- list()
for (nm in names(strata_sets)) {
  s <- strata_sets[[nm]]
  K <- nrow(s)
  x <- array(0, dim = c(2, 2, K))   # rows: group 2, group 1 (odds ratio group 2 / group 1)
  xr <- array(0, dim = c(2, 2, K))  # rows: group 1, group 2 (as the tables given to Python)
  for (k in seq_len(K)) {
    e1 <- s[k, 1]; n1 <- s[k, 2]; e2 <- s[k, 3]; n2 <- s[k, 4]
    x[, , k] <- matrix(c(e2, e1, n2 - e2, n1 - e1), 2, 2)
    xr[, , k] <- matrix(c(e1, e2, n1 - e1, n2 - e2), 2, 2)
  }
  entry <- list(name = nm, strata = lapply(seq_len(K), function(k) s[k, ]))
  for (correct in c(TRUE, FALSE)) {
    r <- suppressWarnings(mantelhaen.test(x, correct = correct))
    rr <- suppressWarnings(mantelhaen.test(xr, correct = correct))
    key <- if (correct) "correct" else "plain"
    entry[[key]] <- list(stat = num17(unname(r$statistic)), p = num17(r$p.value),
                         estimate = num17(unname(r$estimate)), conf_int = num17(r$conf.int),
                         estimate_reversed = num17(unname(rr$estimate)),
                         conf_int_reversed = num17(rr$conf.int))
  }
  r90 <- suppressWarnings(mantelhaen.test(x, conf.level = 0.9))
  entry$level_90 <- list(estimate = num17(unname(r90$estimate)), conf_int = num17(r90$conf.int))
  sout[[length(sout) + 1]] <- entry
}
write_json17(sout, "fixtures/incidence/strata.json")
cat("wrote incidence strata\n")
