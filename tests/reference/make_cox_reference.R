#!/usr/bin/env Rscript
# Writes the Cox model fixtures fixtures/cox/<name>.json that tests/test_cox.py compares against
# survtrial.stats.cox.cox. Run from this folder:  Rscript make_cox_reference.R
# (after make_reference.R, which writes data/<name>.csv; this script writes a missing CSV itself
# with the same write_exact(), so the content is identical).
# Needs survival (3.5-3 used), MASS, jsonlite.
#
# Per data set, fits (all with coxph defaults: timefix = TRUE, eps = 1e-9, iter.max = 20):
#   x1x2_efron, x1x2_breslow   Surv(time, status) ~ x1 + x2            (ties efron / breslow)
#   group_efron, group_breslow Surv(time, status) ~ factor(group)       (indicators of levels 2..)
#   x1_strata_efron            Surv(time, status) ~ x1 + strata(strata)
#   x1x2group_strata_efron     Surv(time, status) ~ x1 + x2 + group + strata(strata)
#   groupx2_breslow            Surv(time, status) ~ group + x2        (where x2 is 0/1)
# plus robust = TRUE fits on a few sets and a cluster() fit on gehan (pairs).
# freireich and aml have a constant x2 (all 0): coxph returns NA for it, which survtrial reports
# as an InputError, so their "x1 + x2" fits use x1 alone (x1x2_* becomes x1_*), and the test
# checks the InputError separately. No set is skipped: coxph fits all of them (a few with
# warnings: infinite coefficients or no convergence, recorded in "warnings"). In lung, x2 is
# ph.ecog, which is also the stratum, so "x1 + x2 + strata(strata)" has x2 = NA in R
# (recorded in "na_covariates"; survtrial raises an InputError there).
options(digits = 17, warn = 1)
source("datasets.R")
dir.create("data", showWarnings = FALSE)
dir.create("fixtures/cox", showWarnings = FALSE, recursive = TRUE)
sets <- make_datasets()

fit_entry <- function(formula, df, ties, robust = FALSE, covariates, strata = FALSE,
                      cluster = FALSE) {
  warns <- character(0)
  fit <- withCallingHandlers(
    coxph(formula, data = df, ties = ties, robust = robust || cluster),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  s <- summary(fit)
  out <- list(
    formula = paste(deparse(formula), collapse = " "), ties = ties, robust = robust,
    covariates = covariates, strata = strata, cluster = cluster,
    coef = unname(coef(fit)), var = unname(fit$var), loglik = fit$loglik,
    score = fit$score, wald_test = unname(fit$wald.test), iter = fit$iter,
    n = fit$n, nevent = fit$nevent,
    logtest = unname(s$logtest), sctest = unname(s$sctest),
    waldtest = c(unname(fit$wald.test), unname(s$waldtest[2:3])),
    z = unname(s$coefficients[, "z"]), pz = unname(s$coefficients[, "Pr(>|z|)"]),
    conf_low = unname(s$conf.int[, 3]), conf_high = unname(s$conf.int[, 4]),
    conf90_low = unname(summary(fit, conf.int = 0.9)$conf.int[, 3]),
    conf90_high = unname(summary(fit, conf.int = 0.9)$conf.int[, 4]),
    warnings = as.list(warns),
    # coefficients R cannot estimate (NA): survtrial raises an InputError naming them
    na_covariates = as.list(covariates[is.na(coef(fit))]))
  if (robust || cluster) {
    out$naive_var <- unname(fit$naive.var)
    out$robscore <- unname(s$robscore)
  }
  out
}

robust_sets <- c("lung", "ties_heavy", "trial_size_1440", "ties_half")

for (nm in names(sets)) {
  df <- sets[[nm]]
  csv <- file.path("data", paste0(nm, ".csv"))
  if (!file.exists(csv)) write_exact(df, csv)
  df$group <- factor(df$group)
  levs <- levels(df$group)
  gnames <- paste0("group", levs[-1])
  x2_constant <- length(unique(df$x2)) == 1
  fits <- list()
  for (ties in c("efron", "breslow")) {
    if (x2_constant) {
      fits[[paste0("x1_", ties)]] <- fit_entry(Surv(time, status) ~ x1, df, ties,
                                               covariates = "x1")
    } else {
      fits[[paste0("x1x2_", ties)]] <- fit_entry(Surv(time, status) ~ x1 + x2, df, ties,
                                                 covariates = c("x1", "x2"))
    }
    fits[[paste0("group_", ties)]] <- fit_entry(Surv(time, status) ~ group, df, ties,
                                                covariates = gnames)
  }
  fits$x1_strata_efron <- fit_entry(Surv(time, status) ~ x1 + strata(strata), df, "efron",
                                    covariates = "x1", strata = TRUE)
  # more covariates at once (continuous and 0/1 mixed; all 0/1 where x2 is binary). Not for
  # single_event: one event with 3-4 covariates has no finite estimate, coxph runs out of
  # iterations at coefficients ~26 and variances ~1e10 that are rounding noise.
  if (!x2_constant && sum(df$status) > 1) {
    fits$x1x2group_strata_efron <- fit_entry(Surv(time, status) ~ x1 + x2 + group +
                                               strata(strata), df, "efron",
                                             covariates = c("x1", "x2", gnames), strata = TRUE)
    if (all(df$x2 %in% c(0, 1))) {
      fits$groupx2_breslow <- fit_entry(Surv(time, status) ~ group + x2, df, "breslow",
                                        covariates = c(gnames, "x2"))
    }
  }
  if (nm %in% robust_sets) {
    for (ties in c("efron", "breslow")) {
      fits[[paste0("x1x2_robust_", ties)]] <- fit_entry(Surv(time, status) ~ x1 + x2, df, ties,
                                                        robust = TRUE,
                                                        covariates = c("x1", "x2"))
    }
    fits$group_strata_robust_efron <- fit_entry(Surv(time, status) ~ group + strata(strata),
                                                df, "efron", robust = TRUE,
                                                covariates = gnames, strata = TRUE)
    fits$x1x2_strata_robust_efron <- fit_entry(Surv(time, status) ~ x1 + x2 + strata(strata),
                                               df, "efron", robust = TRUE,
                                               covariates = c("x1", "x2"), strata = TRUE)
  }
  if (nm == "gehan") {
    # the 21 matched pairs as clusters (robust variance summed within pairs)
    fits$x1_cluster_efron <- fit_entry(Surv(time, status) ~ x1 + cluster(strata), df, "efron",
                                       covariates = "x1", cluster = TRUE)
    fits$x1_cluster_breslow <- fit_entry(Surv(time, status) ~ x1 + cluster(strata), df,
                                         "breslow", covariates = "x1", cluster = TRUE)
  }
  res <- list(name = nm, survival_version = as.character(packageVersion("survival")),
              group_levels = levs, x2_constant = x2_constant, fits = fits)
  writeLines(exact_json(res), file.path("fixtures/cox", paste0(nm, ".json")))
}

# --- step halving ------------------------------------------------------------------------------
# None of the fits above ever needs step halving (a Newton step that lowers the log-likelihood).
# These small sets with a heavy-tailed covariate do, several times in a row; the data go into the
# JSON itself. For each, the fit is recorded with iter.max = 0, 1, ..., iter + 1, i.e. the
# whole Newton path, so that the halving rule (coxfit6.c: at the k-th successive failure
# beta_new <- (beta_new + k beta_old) / (k + 1)) is checked step by step.
halving_set <- function(seed) {
  set.seed(seed)
  n <- sample(8:40, 1)
  x <- round(exp(rnorm(n, 0, 2.5)), 3)
  time <- round(rexp(n) * exp(-0.8 * log(x + 1)), 2) + 0.01
  status <- as.integer(runif(n) < 0.7)
  data.frame(time = time, status = status, x = x)
}
path_entry <- function(df, ties, k) {
  warns <- character(0)
  fit <- withCallingHandlers(
    coxph(Surv(time, status) ~ x, data = df, ties = ties, iter.max = k),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  list(iter_max = k, coef = unname(coef(fit)), var = unname(fit$var), loglik = fit$loglik,
       iter = fit$iter, warnings = as.list(warns))
}
halving <- list()
for (seed in c(18, 35, 75)) {
  df <- halving_set(seed)
  fits <- list()
  for (ties in c("efron", "breslow")) {
    full <- fit_entry(Surv(time, status) ~ x, df, ties, covariates = "x")
    full$path <- lapply(0:(full$iter + 1), function(k) path_entry(df, ties, k))
    fits[[ties]] <- full
  }
  halving[[length(halving) + 1]] <- list(seed = seed, time = df$time, status = df$status,
                                         x = df$x, fits = fits)
}
writeLines(exact_json(list(name = "step_halving",
                           survival_version = as.character(packageVersion("survival")),
                           sets = halving)),
           file.path("fixtures/cox", "step_halving.json"))
