#!/usr/bin/env Rscript
# Writes fixtures/levels/arms.json for tests/test_stats_levels.py: R's answers when the
# reference (control) group is set by factor levels, not by sorting (issue 8, defect 7).
# Run from this folder (after make_reference.R, which writes data/ties_heavy.csv):
#   Rscript make_levels_reference.R
# Needs survival (3.5-3 used), MASS and jsonlite (through datasets.R, for exact_json).
#
# Data: data/ties_heavy.csv with its groups renamed g1 -> "chemotherapy", g2 -> "blinatumomab",
# so that sorting puts blinatumomab first while the trial's control is chemotherapy. For both
# orders of the factor levels: survdiff (unstratified and stratified: obs, exp, chisq), the
# restricted mean up to tau and survival at a milestone per group (summary.survfit), in level
# order.
options(digits = 17, warn = 1)
source("datasets.R")
df <- read.csv("data/ties_heavy.csv", stringsAsFactors = FALSE)
df$arm <- ifelse(df$group == "g1", "chemotherapy", "blinatumomab")
tau <- 20
milestone <- 10

answers <- function(levels) {
  df$arm <- factor(df$arm, levels = levels)
  sd <- survdiff(Surv(time, status) ~ arm, data = df)
  sds <- survdiff(Surv(time, status) ~ arm + strata(strata), data = df)
  fit <- survfit(Surv(time, status) ~ arm, data = df)
  s <- summary(fit, rmean = tau)$table
  m <- summary(fit, times = milestone)
  list(levels = levels, observed = sd$obs, expected = sd$exp, chisq = sd$chisq,
       strata_observed = rowSums(sds$obs), strata_expected = rowSums(sds$exp),
       strata_chisq = sds$chisq, rmean = unname(s[, "rmean"]),
       rmean_se = unname(s[, "se(rmean)"]), milestone_surv = m$surv, milestone_se = m$std.err)
}

out <- list(survival = as.character(packageVersion("survival")), data = "ties_heavy",
            tau = tau, milestone = milestone,
            sorted = answers(c("blinatumomab", "chemotherapy")),
            control_first = answers(c("chemotherapy", "blinatumomab")))
dir.create("fixtures/levels", showWarnings = FALSE, recursive = TRUE)
writeLines(exact_json(out), "fixtures/levels/arms.json")
