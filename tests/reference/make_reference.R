#!/usr/bin/env Rscript
# Writes the reference data sets (data/<name>.csv) and the survival fixtures
# (fixtures/survival/<name>.json) that tests/test_reference_survival.py compares against:
# Kaplan-Meier (survfit), log-rank (survdiff, with rho and strata), RMST (survfit rmean),
# milestone survival (summary(survfit, times=)).
# Run from this folder:  Rscript make_reference.R
# Needs Debian's r-base-core, r-cran-survival, r-cran-mass, r-cran-jsonlite.
# The other fixture scripts (make_cox_reference.R, make_cmprsk_reference.R, ...) are run after
# this one, at the end of this file.
options(digits = 17, warn = 1)
source("datasets.R")
dir.create("data", showWarnings = FALSE)
dir.create("fixtures/survival", showWarnings = FALSE, recursive = TRUE)
sets <- make_datasets()

na_to_null <- function(x) as.numeric(x)  # NA and NaN become null, +-Inf "Inf"

km_curve <- function(fit, i = NULL) {
  f <- if (is.null(i)) fit else fit[i]
  out <- list(time = f$time, n_risk = f$n.risk, n_event = f$n.event, n_censor = f$n.censor,
              surv = f$surv, std_err_cumhaz = na_to_null(f$std.err))
  for (ct in c("log", "log-log", "plain")) {
    g <- update(fit, conf.type = ct)
    g <- if (is.null(i)) g else g[i]
    out[[paste0("lower_", ct)]] <- na_to_null(g$lower)
    out[[paste0("upper_", ct)]] <- na_to_null(g$upper)
  }
  out
}

km_summary <- function(fit, times) {
  s <- summary(fit, times = times, extend = TRUE)
  strata <- if (is.null(s$strata)) rep("all", length(s$time)) else as.character(s$strata)
  list(strata = strata, time = s$time, surv = s$surv, std_err = na_to_null(s$std.err),
       n_risk = s$n.risk)
}

medians <- function(df) {
  res <- list()
  for (ct in c("log", "log-log", "plain")) {
    fit <- survfit(Surv(time, status) ~ group, data = df, conf.type = ct)
    tab <- summary(fit)$table
    res[[ct]] <- list(median = na_to_null(tab[, "median"]), lower = na_to_null(tab[, "0.95LCL"]),
                      upper = na_to_null(tab[, "0.95UCL"]))
  }
  res
}

logrank_entry <- function(sd) {
  o <- sd$obs; e <- sd$exp
  if (is.matrix(o)) { o <- rowSums(o); e <- rowSums(e) }
  list(chisq = sd$chisq, df = length(sd$n[e > 0]) - 1, observed = as.numeric(o),
       expected = as.numeric(e), var = unname(sd$var), pvalue = pchisq(sd$chisq,
       length(sd$n[e > 0]) - 1, lower.tail = FALSE))
}

rmst_entry <- function(df, tau) {
  fit <- survfit(Surv(time, status) ~ group, data = df)
  tab <- summary(fit, rmean = tau)$table
  rm <- unname(tab[, "rmean"]); se <- unname(tab[, "se(rmean)"])
  res <- list(tau = tau, rmean = rm, se = se)
  if (length(rm) == 2) {
    # survRM2::rmst2 semantics, written out: difference (second minus first sorted label) and
    # ratio on the log scale with delta-method standard error
    d <- rm[2] - rm[1]; dse <- sqrt(se[1]^2 + se[2]^2)
    lr <- log(rm[2] / rm[1]); lse <- sqrt(se[1]^2 / rm[1]^2 + se[2]^2 / rm[2]^2)
    z <- qnorm(0.975)
    res$difference <- d; res$difference_se <- dse
    res$difference_ci <- c(d - z * dse, d + z * dse)
    res$difference_p <- 2 * pnorm(-abs(d / dse))
    res$ratio <- exp(lr); res$ratio_ci <- exp(c(lr - z * lse, lr + z * lse))
    res$ratio_p <- 2 * pnorm(-abs(lr / lse))
  }
  res
}

for (name in names(sets)) {
  df <- sets[[name]]
  write_exact(df, file.path("data", paste0(name, ".csv")))
  big <- nrow(df) > 20000
  fit <- survfit(Surv(time, status) ~ group, data = df)
  fit_all <- survfit(Surv(time, status) ~ 1, data = df)
  labels <- sort(unique(df$group))
  grid <- unique(c(0, unname(quantile(df$time, c(0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99))),
                   max(df$time)))
  if (big) grid <- unique(c(grid, unname(quantile(df$time, seq(0.01, 0.99, length.out = 60)))))
  out <- list(name = name, n = nrow(df), groups = labels,
              r_version = R.version.string,
              survival_version = as.character(packageVersion("survival")))
  out$km_grid <- grid
  out$km_summary <- km_summary(fit, grid)
  out$km_summary_all <- km_summary(fit_all, grid)
  if (!big) {
    out$km_all <- km_curve(fit_all)
    out$km_by_group <- lapply(seq_along(labels), function(i) km_curve(fit, i))
    names(out$km_by_group) <- labels
  }
  out$median <- medians(df)
  has_events <- sum(df$status) > 0
  if (has_events) {
    out$logrank <- logrank_entry(survdiff(Surv(time, status) ~ group, data = df))
    out$logrank_rho1 <- logrank_entry(survdiff(Surv(time, status) ~ group, data = df, rho = 1))
    out$logrank_rho05 <- logrank_entry(survdiff(Surv(time, status) ~ group, data = df,
                                                rho = 0.5))
    if (length(unique(df$strata)) > 1) {
      out$logrank_strat <- logrank_entry(survdiff(Surv(time, status) ~ group + strata(strata),
                                                  data = df))
      out$logrank_strat_rho1 <- logrank_entry(survdiff(Surv(time, status) ~ group +
                                                       strata(strata), data = df, rho = 1))
    }
  }
  tau_max <- min(tapply(df$time, df$group, max))
  out$rmst <- list(rmst_entry(df, tau_max), rmst_entry(df, 0.6 * tau_max))
  if (length(labels) == 2) {
    t_m <- unname(quantile(df$time, 0.5))
    s <- summary(fit, times = t_m, extend = TRUE)
    out$milestone <- list(time = t_m, surv = s$surv, std_err = s$std.err,
                          difference = s$surv[2] - s$surv[1],
                          difference_se = sqrt(sum(s$std.err^2)))
  }
  writeLines(exact_json(out),
             file.path("fixtures/survival", paste0(name, ".json")))
  cat("wrote", name, "\n")
}

if (!identical(Sys.getenv("SURVTRIAL_ONLY_SURVIVAL"), "1")) for (script in c("make_cox_reference.R", "make_cmprsk_reference.R",
                 "make_incidence_reference.R", "make_design_reference.R")) {
  if (file.exists(script)) { cat("running", script, "\n"); source(script, local = new.env()) }
}
