#!/usr/bin/env Rscript
# Writes fixtures/cox_monotone/monotone.json for tests/test_cox.py: coxph on a data set with a
# monotone partial likelihood (issue 8, defect 9). Run from this folder:
#   Rscript make_cox_monotone_reference.R
# Needs survival (3.5-3 used), MASS and jsonlite (through datasets.R, for exact_json: %.17g).
#
# The data: 48 subjects with distinct times 1..48 (the example hypothesis found for
# tests/test_stats_properties.py, seed 14); 2 events: subject 2 (time 3, the only subject of
# group 1) and subject 1 (time 36, group 0). With group 1 as the reference (x = 1 - group) the
# coefficient runs to -infinity: coxph stops after 2 iterations at about -47, with a variance
# of ~5.7e18 and the warning "Loglik converged before variable 1; coefficient may be infinite".
# With group 0 as the reference (x = group) the first Newton step lands where the information
# is exactly 0 in double precision (S1/S0 rounds to 1) and coxph reports coef NA.
options(digits = 17, warn = 1)
source("datasets.R")
time <- c(36, 3, 16, 26, 40, 39, 19, 23, 28, 9, 11, 48, 21, 2, 43, 32, 47, 20, 45, 25, 41, 44,
          13, 30, 4, 8, 14, 27, 29, 18, 10, 35, 12, 7, 34, 33, 37, 42, 1, 38, 5, 17, 46, 31, 24,
          22, 6, 15)
status <- c(1, 1, rep(0, 46))
group <- c(0, 1, rep(0, 46))

fit_entry <- function(x, ties) {
  warns <- character(0)
  fit <- withCallingHandlers(
    coxph(Surv(time, status) ~ x, ties = ties),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  list(ties = ties, coef = unname(coef(fit)), var = unname(fit$var), loglik = fit$loglik,
       score = fit$score, iter = fit$iter, warnings = as.list(warns),
       coef_is_na = is.na(unname(coef(fit))) + 0L)
}

fits <- list()
for (ties in c("efron", "breslow")) {
  fits[[paste0("reference_group1_", ties)]] <- c(list(x = "1 - group"), fit_entry(1 - group, ties))
  fits[[paste0("reference_group0_", ties)]] <- c(list(x = "group"), fit_entry(group, ties))
}
out <- list(survival = as.character(packageVersion("survival")), time = time, status = status,
            group = group, fits = fits)
dir.create("fixtures/cox_monotone", showWarnings = FALSE, recursive = TRUE)
writeLines(exact_json(out), "fixtures/cox_monotone/monotone.json")
