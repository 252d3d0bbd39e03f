#!/usr/bin/env Rscript
# Writes fixtures/cmprsk/<name>.json: cumulative incidence (cmprsk::cuminc) and Gray's test for
# every reference data set, which tests/test_competing.py compares against.
# Run from this folder:  Rscript make_cmprsk_reference.R   (make_reference.R also runs it)
# Needs r-cran-survival, r-cran-cmprsk (2.2-11), r-cran-jsonlite, r-cran-mass.
#
# For each data set (columns time, status, group, strata, cause; cause 0 = censored):
#   curves       cuminc(time, cause, group)$"<group> <cause>": the step-function corners
#                (time, est, var) exactly as cmprsk returns them (all but n100k)
#   grid         a grid of times (quantiles of time, every 7th distinct event time, 0, beyond
#                the largest time) and timepoints(fit, grid): est and var (NA -> null)
#   tests        cuminc(...)$Tests without strata, with strata = strata, and with rho = 1 and
#                rho = -0.5 (stratified) for a few sets
options(digits = 17, warn = 1)
suppressPackageStartupMessages(library(cmprsk))
source("datasets.R")
dir.create("data", showWarnings = FALSE)
dir.create("fixtures/cmprsk", showWarnings = FALSE, recursive = TRUE)
sets <- make_datasets()

# jsonlite writes at most 15 significant digits; times must come back exactly (a grid point
# that is an event time must not land just below it), so numbers are written with %.17g as
# verbatim JSON arrays (non-finite -> null).
num17 <- function(x) {
  x <- as.numeric(x)
  s <- ifelse(is.finite(x), sprintf("%.17g", x), "null")
  structure(paste0("[", paste(s, collapse = ","), "]"), class = "json")
}
write_json17 <- function(obj, path) {
  writeLines(toJSON(obj, json_verbatim = TRUE, auto_unbox = TRUE, digits = NA, na = "null",
                    null = "null"), path)
}

tests_entry <- function(fit) {
  tt <- fit$Tests
  list(cause = I(as.integer(rownames(tt))), stat = num17(tt[, "stat"]),
       pv = num17(tt[, "pv"]), df = num17(tt[, "df"]))
}

rho_sets <- c("ties_heavy", "three_groups", "colon", "mgus2", "crossing_weibull", "many_strata")

for (name in names(sets)) {
  df <- sets[[name]]
  csv <- file.path("data", paste0(name, ".csv"))
  if (!file.exists(csv)) write_exact(df, csv)
  groups <- levels(factor(df$group))
  causes <- sort(unique(df$cause[df$cause != 0]))
  fit <- cuminc(df$time, df$cause, df$group)
  out <- list(name = name, groups = I(groups), causes = I(causes))

  if (name != "n100k") {
    curves <- list()
    for (k in causes) for (g in groups) {
      cv <- fit[[paste(g, k)]]
      curves[[length(curves) + 1]] <- list(group = g, cause = k, time = num17(cv$time),
                                           est = num17(cv$est), var = num17(cv$var))
    }
    out$curves <- curves
  }

  # grid: quantiles, some exact event times (right-continuity at jumps), 0, beyond the end
  ev <- sort(unique(df$time[df$cause != 0]))
  if (name == "n100k") {
    grid <- unname(quantile(df$time, seq(0.01, 0.99, length.out = 48)))
    grid <- c(0, grid, max(df$time) + 1)
  } else {
    grid <- c(0, unname(quantile(df$time, seq(0, 1, by = 0.05))),
              ev[seq(1, length(ev), by = 7)], max(df$time) + 1)
  }
  grid <- sort(unique(grid))
  tp <- timepoints(fit, grid)
  tpl <- list()
  for (k in causes) for (g in groups) {
    nm <- paste(g, k)
    tpl[[length(tpl) + 1]] <- list(group = g, cause = k, est = num17(tp$est[nm, ]),
                                   var = num17(tp$var[nm, ]))
  }
  out$grid <- num17(grid)
  out$timepoints <- tpl

  if (length(groups) > 1) {
    out$tests <- tests_entry(fit)
    if (length(unique(df$strata)) > 1) {
      out$tests_strata <- tests_entry(cuminc(df$time, df$cause, df$group, df$strata))
    }
    if (name %in% rho_sets) {
      out$tests_rho1 <- tests_entry(cuminc(df$time, df$cause, df$group, df$strata, rho = 1))
      out$tests_rho_m05 <- tests_entry(cuminc(df$time, df$cause, df$group, df$strata,
                                              rho = -0.5))
    }
  }
  write_json17(out, file.path("fixtures/cmprsk", paste0(name, ".json")))
  cat("wrote cmprsk", name, "\n")
}

# A case where Gray's variance is singular: every cause-1 event happens while one group alone
# is at risk, so cmprsk reports stat = -1 (and p = 1).
sing <- data.frame(time = c(1, 2, 3, 4, 5, 6), cause = c(0, 0, 2, 1, 1, 0),
                   group = c("a", "a", "b", "b", "b", "b"))
fs <- cuminc(sing$time, sing$cause, sing$group)
write_json17(list(name = "singular", time = num17(sing$time), cause = I(sing$cause),
                  group = I(sing$group), tests = tests_entry(fs)),
             file.path("fixtures/cmprsk", "singular.json"))
cat("wrote cmprsk singular\n")
