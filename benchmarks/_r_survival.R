# R side of benchmarks/stats_vs_peers.py: times R survival on the data set the Python script
# wrote, and writes R's estimates so that the script can check survtrial's numbers against them.
#
#   Rscript benchmarks/_r_survival.R DIR TAU BUDGET MAX_REPEATS MIN_BATCH SLOW OPS GRID
#
# DIR holds time.f64 (float64), event.i32, arm.i32, stratum.i32 (int32, little-endian), written
# by the Python script. Loading them is not timed. Each operation is timed as in the Python
# script: one warm-up call, then batches of `loops` calls lasting at least MIN_BATCH seconds
# (proc.time() resolves milliseconds only), repeated k times within BUDGET seconds (k <=
# MAX_REPEATS); per-call time = batch time / loops. A warm-up call longer than SLOW seconds is
# taken as the single measurement. OPS and GRID (times for S(t)) are comma-separated.
# Output, in DIR:
#   r_results.tsv  lines "timing<TAB>op<TAB>best median k loops" and "value<TAB>op<TAB>key<TAB>v..."
#   r_km_<key>.f64 the full Kaplan-Meier arrays (both arms, arm 0 first)
suppressPackageStartupMessages(library(survival))

args <- commandArgs(trailingOnly = TRUE)
dir <- args[[1]]
tau <- as.numeric(args[[2]])
budget <- as.numeric(args[[3]])
max_repeats <- as.integer(args[[4]])
min_batch <- as.numeric(args[[5]])
slow <- as.numeric(args[[6]])
ops <- strsplit(args[[7]], ",", fixed = TRUE)[[1]]

read_vec <- function(name, what, size) {
  path <- file.path(dir, name)
  n <- file.size(path) / size
  con <- file(path, "rb")
  on.exit(close(con))
  readBin(con, what, n = n, size = size, endian = "little")
}
time <- read_vec("time.f64", "double", 8L)
event <- read_vec("event.i32", "integer", 4L)
arm <- read_vec("arm.i32", "integer", 4L)
stratum <- read_vec("stratum.i32", "integer", 4L)
grid <- as.numeric(strsplit(args[[8]], ",", fixed = TRUE)[[1]])

now <- function() proc.time()[["elapsed"]]

bench <- function(fn) {
  invisible(gc(verbose = FALSE))
  t0 <- now()
  res <- fn()
  first <- now() - t0
  if (first >= slow) {
    return(list(result = res, best = first, median = first, k = 1L, loops = 1L))
  }
  # calibrate: loops per batch so that a batch lasts >= min_batch (as timeit's autorange)
  loops <- 1L
  repeat {
    t0 <- now()
    for (i in seq_len(loops)) fn()
    batch <- now() - t0
    if (batch >= min_batch) break
    loops <- loops * if (batch > 0) max(2L, as.integer(ceiling(1.2 * min_batch / batch))) else 10L
  }
  k <- max(1L, min(max_repeats, as.integer(floor(budget / batch))))
  times <- numeric(k)
  times[1] <- batch / loops
  if (k > 1) {
    for (j in 2:k) {
      t0 <- now()
      for (i in seq_len(loops)) fn()
      times[j] <- (now() - t0) / loops
    }
  }
  list(result = res, best = min(times), median = stats::median(times), k = k, loops = loops)
}

out <- file(file.path(dir, "r_results.tsv"), "w")
fmt <- function(x) {
  x <- as.numeric(x)
  s <- sprintf("%.17g", x)
  s[is.na(x)] <- "nan"
  s[is.infinite(x) & x > 0] <- "inf"
  s[is.infinite(x) & x < 0] <- "-inf"
  paste(s, collapse = " ")
}
value <- function(op, key, x) writeLines(paste("value", op, key, fmt(x), sep = "\t"), out)
timing <- function(op, b) {
  writeLines(paste("timing", op, fmt(b$best), fmt(b$median), b$k, b$loops, sep = "\t"), out)
}
write_f64 <- function(key, x) {
  con <- file(file.path(dir, paste0("r_km_", key, ".f64")), "wb")
  writeBin(as.numeric(x), con, size = 8L, endian = "little")
  close(con)
}

writeLines(paste("version", "R", R.version$version.string, sep = "\t"), out)
writeLines(paste("version", "survival", as.character(packageVersion("survival")), sep = "\t"), out)

for (op in ops) {
  if (op == "km") {
    b <- bench(function() survfit(Surv(time, event) ~ arm))
    # The reference estimates are one survfit per arm, the same computation as one
    # kaplan_meier() per arm: survfit(~ arm) applies aeqSurv to the pooled times, whose
    # tolerance (relative to the mean time) can merge a different set of near-equal times.
    f0 <- survfit(Surv(time[arm == 0], event[arm == 0]) ~ 1)
    f1 <- survfit(Surv(time[arm == 1], event[arm == 1]) ~ 1)
    f <- list(
      time = c(f0$time, f1$time), surv = c(f0$surv, f1$surv),
      std.err = c(f0$std.err, f1$std.err), n.risk = c(f0$n.risk, f1$n.risk)
    )
    write_f64("time", f$time)
    write_f64("surv", f$surv)
    write_f64("std_err_log", f$std.err)
    write_f64("n_risk", f$n.risk)
    s0 <- summary(f0, times = grid, extend = TRUE)
    s1 <- summary(f1, times = grid, extend = TRUE)
    value(op, "surv_grid", c(s0$surv, s1$surv))
    value(op, "se_grid", c(s0$std.err, s1$std.err))
  } else if (op == "logrank") {
    b <- bench(function() survdiff(Surv(time, event) ~ arm))
    d <- b$result
    value(op, "chisq", d$chisq)
    value(op, "observed", d$obs)
    value(op, "expected", d$exp)
  } else if (op == "logrank_strat") {
    b <- bench(function() survdiff(Surv(time, event) ~ arm + strata(stratum)))
    d <- b$result
    value(op, "chisq", d$chisq)
    value(op, "observed", rowSums(d$obs))
    value(op, "expected", rowSums(d$exp))
    value(op, "variance", d$var)
  } else if (op == "cox_strat") {
    b <- bench(function() coxph(Surv(time, event) ~ arm + strata(stratum), ties = "efron"))
    f <- b$result
    value(op, "coef", coef(f))
    value(op, "se", sqrt(diag(f$var)))
    value(op, "loglik", f$loglik[[2]])
    value(op, "loglik_null", f$loglik[[1]])
    value(op, "score", f$score)
    value(op, "wald", f$wald.test)
  } else if (op == "rmst_diff") {
    # survfit + survmean, the routine behind print(fit, rmean = tau): the cheapest route in
    # survival (summary(fit, rmean = tau)$table gives the same numbers but also builds the
    # summary at every time)
    b <- bench(function() {
      m <- survival:::survmean(survfit(Surv(time, event) ~ arm), rmean = tau)$matrix
      rm <- m[, "rmean"]
      se <- m[, "se(rmean)"]
      list(rmst = rm, se = se, diff = rm[[2]] - rm[[1]], diff_se = sqrt(sum(se^2)))
    })
    r <- b$result
    value(op, "rmst", r$rmst)
    value(op, "rmst_se", r$se)
    value(op, "diff", r$diff)
    value(op, "diff_se", r$diff_se)
  } else {
    stop("unknown operation ", op)
  }
  timing(op, b)
  flush(out)
}
close(out)
