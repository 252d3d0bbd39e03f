# Reference data sets shared by every fixture script (make_*.R). Sourced, not run alone.
# Each data set is a data.frame with the standard columns
#   time (>= 0), status (1 = event, 0 = censored), group, strata,
#   cause (0 = censored, 1, 2 = competing causes), x1, x2 (covariates for Cox)
# and is written to data/<name>.csv with every number at full double precision (%.17g),
# so that Python reads exactly the values R used.
suppressPackageStartupMessages({
  library(survival)
  library(MASS)
  library(jsonlite)
})

write_exact <- function(df, path) {
  out <- df
  for (nm in names(out)) {
    if (is.numeric(out[[nm]])) out[[nm]] <- sprintf("%.17g", out[[nm]])
  }
  write.csv(out, path, row.names = FALSE, quote = FALSE)
}

random_set <- function(seed, n, ngroup = 2, nstrata = 1, rate = 0.1, cens_rate = 0.05,
                       time_round = NULL, hr = 0.7) {
  set.seed(seed)
  group <- sample(seq_len(ngroup), n, replace = TRUE)
  strata <- sample(seq_len(nstrata), n, replace = TRUE)
  x1 <- rnorm(n)
  x2 <- rbinom(n, 1, 0.4)
  lp <- log(hr) * (group - 1) + 0.3 * x1 - 0.2 * x2 + 0.2 * (strata - 1)
  t_event <- rexp(n, rate * exp(lp))
  t_cens <- rexp(n, cens_rate)
  time <- pmin(t_event, t_cens)
  status <- as.integer(t_event <= t_cens)
  cause <- ifelse(status == 1, 1L + rbinom(n, 1, 0.35), 0L)
  if (!is.null(time_round)) time <- pmax(round(time / time_round) * time_round, time_round)
  data.frame(time = time, status = status, group = paste0("g", group),
             strata = paste0("s", strata), cause = cause, x1 = x1, x2 = x2)
}

# Full-precision JSON: jsonlite prints at most 15 significant digits, so numbers are formatted
# here with %.17g (exact round trip) and passed through verbatim; NA is null, +-Inf the
# strings "Inf" / "-Inf". Matrices become row lists.
exact_json <- function(x) {
  fmt <- function(v) ifelse(is.na(v), "null", ifelse(is.infinite(v),
                          ifelse(v > 0, '"Inf"', '"-Inf"'), sprintf("%.17g", v)))
  conv <- function(v) {
    if (is.list(v)) return(lapply(v, conv))
    if (is.matrix(v) && is.numeric(v)) return(lapply(seq_len(nrow(v)), function(i) conv(v[i, ])))
    if (is.numeric(v) || is.logical(v) && all(is.na(v))) {
      v <- as.numeric(v)
      txt <- if (length(v) == 1) fmt(v) else paste0("[", paste(fmt(v), collapse = ","), "]")
      return(structure(txt, class = "json"))
    }
    v
  }
  toJSON(conv(x), auto_unbox = TRUE, json_verbatim = TRUE, null = "null", na = "null")
}

make_datasets <- function() {
  d <- list()
  # --- random sets -------------------------------------------------------------------------
  d$ties_heavy <- random_set(101, 300, ngroup = 2, nstrata = 3, time_round = 1)
  d$ties_half <- random_set(102, 500, ngroup = 3, nstrata = 2, time_round = 0.5)
  d$ties_extreme <- random_set(103, 400, ngroup = 2, nstrata = 2, time_round = 5)
  d$tiny_five <- data.frame(time = c(1, 2, 2, 3, 4), status = c(1, 1, 0, 1, 0),
                            group = c("a", "b", "a", "b", "a"), strata = "s1",
                            cause = c(1, 2, 0, 1, 0), x1 = c(0.5, -1, 0.2, 1.3, -0.4),
                            x2 = c(0, 1, 1, 0, 1))
  d$tiny_ties <- data.frame(time = c(2, 2, 2, 3, 3, 5, 5, 7), status = c(1, 1, 0, 1, 0, 1, 1, 0),
                            group = c("a", "b", "b", "a", "b", "a", "b", "a"),
                            strata = c("s1", "s1", "s2", "s2", "s1", "s2", "s1", "s2"),
                            cause = c(1, 2, 0, 1, 0, 2, 1, 0),
                            x1 = c(0.1, 1.2, -0.3, 0.8, -1.1, 0.4, 2.0, -0.6),
                            x2 = c(1, 0, 0, 1, 1, 0, 1, 0))
  ac <- random_set(104, 240, ngroup = 3, nstrata = 2)
  ac$status[ac$group == "g3"] <- 0L
  ac$cause[ac$group == "g3"] <- 0L
  d$all_censored_group <- ac
  se <- random_set(105, 25, ngroup = 2, nstrata = 1)
  se$status[] <- 0L; se$cause[] <- 0L
  se$status[7] <- 1L; se$cause[7] <- 1L
  d$single_event <- se
  d$n100k <- random_set(106, 100000, ngroup = 2, nstrata = 4, rate = 0.02, cens_rate = 0.03)
  d$three_groups <- random_set(107, 600, ngroup = 3, nstrata = 1)
  d$many_strata <- random_set(108, 1000, ngroup = 2, nstrata = 8, time_round = 0.25)
  d$unbalanced_small <- random_set(109, 30, ngroup = 2, nstrata = 2)
  d$unbalanced_small$group <- ifelse(seq_len(30) <= 5, "g1", "g2")
  d$trial_size_1440 <- random_set(110, 1440, ngroup = 2, nstrata = 2, rate = 0.03,
                                  cens_rate = 0.25, hr = 0.4)
  # near-equal times: R's timefix merges them (relative difference below sqrt(eps))
  nf <- random_set(111, 400, ngroup = 2, nstrata = 2, time_round = 0.001)
  k <- seq(2, 400, by = 3)
  nf$time[k] <- nf$time[k - 1] * (1 + 1e-10)
  d$near_equal_times <- nf
  set.seed(112)
  wb <- random_set(112, 500, ngroup = 2, nstrata = 3)
  tw <- ifelse(wb$group == "g1", rweibull(500, 0.7, 10), rweibull(500, 1.8, 9))
  tc <- runif(500, 2, 25)
  wb$time <- pmin(tw, tc); wb$status <- as.integer(tw <= tc)
  wb$cause <- ifelse(wb$status == 1, 1L + rbinom(500, 1, 0.5), 0L)
  d$crossing_weibull <- wb
  # --- real data from R packages ---------------------------------------------------------
  # Freireich et al. (1963) 6-MP leukaemia trial, as MASS::gehan (42 children, 21 pairs)
  g <- MASS::gehan
  d$gehan <- data.frame(time = g$time, status = g$cens,
                        group = ifelse(g$treat == "6-MP", "6-MP", "control"),
                        strata = paste0("pair", g$pair), cause = g$cens,
                        x1 = as.numeric(g$treat == "6-MP"), x2 = (g$pair %% 2))
  d$freireich <- data.frame(time = g$time, status = g$cens,
                            group = ifelse(g$treat == "6-MP", "6-MP", "control"),
                            strata = ifelse(g$pair <= 10, "early", "late"),
                            cause = g$cens, x1 = as.numeric(g$treat == "6-MP"), x2 = 0)
  a <- survival::aml
  d$aml <- data.frame(time = a$time, status = a$status, group = as.character(a$x),
                      strata = "all", cause = a$status, x1 = as.numeric(a$x == "Maintained"),
                      x2 = 0)
  lu <- survival::lung
  lu <- lu[complete.cases(lu[, c("time", "status", "sex", "age", "ph.ecog")]), ]
  d$lung <- data.frame(time = lu$time, status = as.integer(lu$status == 2),
                       group = ifelse(lu$sex == 1, "male", "female"),
                       strata = paste0("ecog", lu$ph.ecog),
                       cause = as.integer(lu$status == 2), x1 = lu$age, x2 = lu$ph.ecog)
  v <- survival::veteran
  d$veteran <- data.frame(time = v$time, status = v$status, group = paste0("trt", v$trt),
                          strata = as.character(v$celltype), cause = v$status,
                          x1 = v$karno, x2 = v$age)
  co <- survival::colon
  rec <- co[co$etype == 1, ]; dth <- co[co$etype == 2, ]
  stopifnot(all(rec$id == dth$id))
  cause <- ifelse(rec$status == 1, 1L, ifelse(dth$status == 1, 2L, 0L))
  ctime <- ifelse(rec$status == 1, rec$time, dth$time)
  # event-free survival: recurrence (cause 1) or death without recurrence (cause 2)
  d$colon <- data.frame(time = ctime, status = as.integer(cause > 0),
                        group = as.character(dth$rx), strata = paste0("node4_", dth$node4),
                        cause = cause, x1 = dth$age, x2 = dth$sex)
  m <- survival::mgus2
  etime <- ifelse(m$pstat == 0, m$futime, m$ptime)
  ecause <- ifelse(m$pstat == 0, 2L * m$death, 1L)
  d$mgus2 <- data.frame(time = etime, status = as.integer(ecause > 0),
                        group = as.character(m$sex), strata = ifelse(m$age < 70, "young", "old"),
                        cause = ecause, x1 = m$age, x2 = m$hgb)
  d$mgus2 <- d$mgus2[complete.cases(d$mgus2), ]
  d
}
