# Reference numbers for `survtrial monitor` (tests/test_monitor_reference.py).
# Writes, into fixtures/monitor/:
#   adtte_look1.csv, adtte_look2.csv   the same simulated trial cut at two data cut-offs (ADTTE)
#   adtte_null_look1.csv               a trial without effect, cut at the first look (futility)
#   expected.json                      per look: stratified log-rank z (survival::survdiff),
#                                      bounds of rpact's getDesignGroupSequential at the observed
#                                      information rates, and getAnalysisResults (repeated CI,
#                                      repeated p, conditional power, final inference)
# The design is fixtures/monitor/design.json, written by
#   survtrial design --hr 0.6 --beta-spending OF --json fixtures/monitor/design.json
# (O'Brien-Fleming alpha and beta spending, non-binding futility, 3 looks); its planned events
# are ceiling(max_events).
# Run from this folder:  Rscript make_monitor_reference.R
# Needs R >= 4.1 with survival, rpact 3.3.4 and jsonlite.
options(digits = 17, warn = 1)
suppressPackageStartupMessages({
  library(survival)
  library(rpact)
  library(jsonlite)
})
setLogLevel("DISABLED")
out <- "fixtures/monitor"
num <- function(x) ifelse(is.finite(x), x, NA_real_)

design_json <- fromJSON(file.path(out, "design.json"))$design
design_planned_events <- ceiling(design_json$max_events)
stopifnot(design_json$alpha_spending == "OF", design_json$beta_spending == "OF",
          !design_json$binding_futility, design_json$sided == 1,
          design_json$allocation_ratio == 1)

# the protocol case: survtrial's built-in two_arm_example with planned_events = 133, the
# interim at 44 events and no futility (tests/test_monitor_reference.py writes that TOML).
# A protocol states no hazard ratio: the design's effect is the one its planned looks detect
# with power 1 - beta at the planned events, exp(-2 sqrt(shift / D)) for 1:1 allocation.
protocol_rates <- c(44 / 133, 1)
protocol_shift <- getDesignCharacteristics(getDesignGroupSequential(
  informationRates = protocol_rates, alpha = 0.025, beta = 0.2, typeOfDesign = "asOF"))$shift
protocol_hr <- exp(-2 * sqrt(protocol_shift / 133))

# ---------------------------------------------------------------------------------------------
# a small trial: 1:1 permuted blocks of 4 within two strata, uniform accrual over 730 days,
# exponential event times (control median 540 days; high risk doubles the hazard), dropout
simulate_trial <- function(seed, n, hr) {
  set.seed(seed)
  stratum <- sample(c("Low risk", "High risk"), n, replace = TRUE, prob = c(0.6, 0.4))
  arm <- character(n)
  for (s in unique(stratum)) {
    idx <- which(stratum == s)
    blocks <- unlist(lapply(seq_len(ceiling(length(idx) / 4)),
                            function(i) sample(c("Control", "Control", "Drug X", "Drug X"))))
    arm[idx] <- blocks[seq_along(idx)]
  }
  entry <- sort(sample(0:729, n, replace = TRUE))
  rate <- log(2) / 540 * ifelse(stratum == "High risk", 2, 1) * ifelse(arm == "Drug X", hr, 1)
  event_time <- ceiling(rexp(n, rate))
  dropout_time <- ceiling(rexp(n, 0.0002))
  data.frame(id = sprintf("STUDY-%04d", seq_len(n)), arm, stratum, entry, event_time,
             dropout_time, stringsAsFactors = FALSE)
}

# the ADTTE at a data cut-off on calendar day `cut` (subjects randomized before it)
cut_adtte <- function(trial, cut) {
  x <- trial[trial$entry < cut, ]
  follow <- pmin(x$dropout_time, cut - x$entry)
  event <- x$event_time <= follow
  data.frame(STUDYID = "STUDY", USUBJID = x$id, TRTP = x$arm, STRATUM = x$stratum,
             PARAMCD = "DFS", AVAL = ifelse(event, x$event_time, follow), AVALU = "DAYS",
             CNSR = ifelse(event, 0L, 1L), stringsAsFactors = FALSE)
}

# calendar day of the `k`-th event (events occur after dropout are never seen)
cut_at_events <- function(trial, k) {
  seen <- trial$event_time <= trial$dropout_time
  sort((trial$entry + trial$event_time)[seen])[k]
}

logrank_z <- function(adtte) {
  arm <- factor(adtte$TRTP, levels = c("Control", "Drug X"))
  f <- survdiff(Surv(AVAL, 1 - CNSR) ~ arm + strata(STRATUM), data = adtte)
  obs <- if (is.matrix(f$obs)) rowSums(f$obs) else f$obs  # groups x strata when stratified
  expected <- if (is.matrix(f$exp)) rowSums(f$exp) else f$exp
  (obs[2] - expected[2]) / sqrt(f$var[2, 2])  # negative favours Drug X
}

# ---------------------------------------------------------------------------------------------
# the monitoring of one look, given the events and z of all looks so far
look_case <- function(id, files, events, z, planned_events = design_planned_events,
                      planned_rates = design_json$information_rates, beta_spending = "bsOF",
                      hazard_ratio = design_json$hazard_ratio) {
  k <- length(events)
  t <- events / planned_events
  final <- events[k] >= planned_events
  rates <- if (final) t else c(t, planned_rates[planned_rates > t[k]])
  design_args <- list(informationRates = rates, alpha = design_json$alpha,
                      beta = design_json$beta, sided = 1, typeOfDesign = "asOF",
                      typeBetaSpending = beta_spending)
  if (beta_spending != "none") design_args$bindingFutility <- FALSE
  d <- do.call(getDesignGroupSequential, design_args)
  ds <- getDataset(overallEvents = events, overallLogRanks = z,
                   overallAllocationRatios = rep(1, k))
  analysis <- function(theta) {
    args <- list(design = d, dataInput = ds, directionUpper = FALSE)
    if (!final) {
      args$nPlanned <- diff(c(events[k], rates[-(1:k)] * planned_events))
      args$allocationRatioPlanned <- 1
    }
    if (!is.na(theta)) args$thetaH1 <- theta
    suppressWarnings(do.call(getAnalysisResults, args))
  }
  trend <- analysis(NA_real_)
  effect <- analysis(hazard_ratio)
  list(id = id, files = files, events = events, z = z, planned_events = planned_events,
       hazard_ratio_design = hazard_ratio, information_rates = rates,
       efficacy_bound = num(d$criticalValues[k]),
       futility_bound = if (k < d$kMax) num(d$futilityBounds[k]) else num(d$criticalValues[k]),
       efficacy_bounds = num(d$criticalValues), futility_bounds = num(d$futilityBounds),
       alpha_spent = num(d$alphaSpent),
       rci_lower = num(trend$repeatedConfidenceIntervalLowerBounds[1:k]),
       rci_upper = num(trend$repeatedConfidenceIntervalUpperBounds[1:k]),
       repeated_p = num(trend$repeatedPValues[1:k]),
       conditional_power_trend = num(trend$conditionalPower[d$kMax]),
       conditional_power_design = num(effect$conditionalPower[d$kMax]),
       hazard_ratio_trend = num(trend$thetaH1),
       final_stage = num(trend$finalStage),
       final_p = num(trend$finalPValues[k]),
       median_unbiased_hr = num(trend$medianUnbiasedEstimates[k]),
       final_ci_lower = num(trend$finalConfidenceIntervalLowerBounds[k]),
       final_ci_upper = num(trend$finalConfidenceIntervalUpperBounds[k]))
}

write_cut <- function(adtte, name) {
  write.csv(adtte, file.path(out, name), row.names = FALSE)
  name
}

trial <- simulate_trial(20261126, 260, 0.45)
a1 <- cut_adtte(trial, cut_at_events(trial, 48))
a2 <- cut_adtte(trial, cut_at_events(trial, 92))
null <- simulate_trial(3, 260, 1.25)
n1 <- cut_adtte(null, cut_at_events(null, 50))
e1 <- sum(a1$CNSR == 0); e2 <- sum(a2$CNSR == 0); en <- sum(n1$CNSR == 0)
z1 <- logrank_z(a1); z2 <- logrank_z(a2); zn <- logrank_z(n1)
cases <- list(
  look_case("look1_continue", write_cut(a1, "adtte_look1.csv"), e1, z1),
  look_case("look2_stop", c("adtte_look1.csv", write_cut(a2, "adtte_look2.csv")),
            c(e1, e2), c(z1, z2)),
  look_case("null_look1_futility", write_cut(n1, "adtte_null_look1.csv"), en, zn),
  look_case("protocol_interim", "adtte_look1.csv", e1, z1, planned_events = 133,
            planned_rates = protocol_rates, beta_spending = "none", hazard_ratio = protocol_hr)
)
writeLines(toJSON(list(rpact = as.character(packageVersion("rpact")),
                       survival = as.character(packageVersion("survival")),
                       design_planned_events = design_planned_events,
                       cases = cases),
                  auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"),
           file.path(out, "expected.json"))
for (c in cases) {
  cat(sprintf("%-20s events %s z %s bound %.4f fut %.4f final stage %s\n", c$id,
              paste(c$events, collapse = ","), paste(round(c$z, 3), collapse = ","),
              c$efficacy_bound, c$futility_bound, c$final_stage))
}
