#!/usr/bin/env Rscript
# Writes the rpact fixtures that the `survtrial simulate` comparison tests read:
#   fixtures/simulate/<scenario>.json   getSimulationSurvival operating characteristics, with
#                                       the Monte Carlo standard error of every number
# for the scenarios whose protocols are fixtures/simulate/<scenario>.toml (survtrial's schema;
# every number there is commented with its rpact argument).
# Run from this folder:  Rscript make_simulate_reference.R [iterations]   (default 100000)
# Needs R >= 4.1 with rpact 3.3.4 (Debian's r-cran-rpact) and jsonlite. About 70 s per
# scenario at 100,000 iterations on one core of the project's machine (the JSON records it).
#
# THE SCENARIOS (identical in the TOML files and below)
#   one stratum, 1:1, 1,200 patients accrued uniformly at 60 a month (20 months), exponential
#   event times with control median 15 months (lambda2 = log(2) / 15 per month), hazard ratio
#   0.75 or 1, loss to follow-up 0 or 5 % a year in each arm, three looks at 170, 340 and 510
#   events (information 1/3, 2/3, 1), Lan-DeMets O'Brien-Fleming (asOF) or Pocock (asP) alpha
#   spending, one-sided alpha 0.025, no futility bound. Months are 365.25 / 12 = 30.4375 days
#   (survtrial.units): a rate per month times 12 is survtrial's rate per year.
#
# WHERE THE TWO MODELS DIFFER (none changes power or expected events by more than a fraction
# of a Monte Carlo SE at survtrial's usual replicate counts, except where said)
#  1. Accrual. rpact: deterministic, evenly spaced at 60 a month (accrualTime = 0,
#     accrualIntensity = 60, maxNumberOfSubjects = 1200; getData's numberOfSubjects at an
#     analysis at month t is floor(60 t)). survtrial: a Poisson process at
#     accrual.rate_per_month = 60 that stops at accrual.target_randomized = 1200 (so accrual
#     ends at about 20 +- 0.6 months). Same mean accrual curve; survtrial's analysis times,
#     subjects at a look and study duration vary more from trial to trial, and
#     E[min(N(t), 1200)] is slightly below min(60 t, 1200) near
#     the end of accrual. In a 10,000-trial check of the six scenarios with the survtrial.trial
#     engine (enrol .. monitor), power, rejection by look, expected subjects, duration and the
#     analysis times all agreed within 2 combined Monte Carlo SE; only expected events under
#     HR 1 did not (see 4).
#  2. Allocation. rpact alternates the arms deterministically (allocation1 = allocation2 = 1).
#     survtrial: stratified permuted blocks of 2 or 4 (one stratum), so the arms may differ by
#     up to 2 patients at a look.
#  3. Whole days. survtrial enrols on whole days (floor of the arrival time), event and
#     loss-to-follow-up times are whole days from randomization (ceil, at least 1), and an
#     event on the day of loss to follow-up counts as an event. rpact's times are continuous.
#  4. Looks. rpact analyses at exactly 170, 340, 510 events (the time of the k-th event).
#     survtrial analyses on the calendar day of the k-th event, with every event of that day:
#     about a third of the looks have 1 or more extra events (tied days), on average
#     +0.4 to +0.5 events per look (measured: 170.43, 340.52, 510.50 under HR 1). The same
#     cut counts the patients randomized by the end of that day (about +1 subject at 60 a
#     month relative to a continuous-time cut). survtrial's log-rank handles the tied days;
#     rpact's has none. Expected events therefore run about 0.4-0.56 above rpact's: under
#     HR 1 (almost every trial goes to 510 events, rpact's SE 0.04 at 100,000 iterations) that
#     is z = +4 in the 10,000-trial check (509.51 against 508.95). Compare survtrial's planned
#     events at the stopping look (170, 340 or 510), or its expected events less its own
#     measured mean excess over the planned number, with expected_number_of_events.
#  5. Bounds. rpact applies the design's critical values (information 1/3, 2/3, 1 exactly).
#     survtrial re-spends alpha at the observed information (events / 510), so with the
#     extra tied events its bounds differ in the third decimal (e.g. 3.705 instead of 3.710
#     at the first OF look); the final look is always spent at information 1.
#  6. Loss to follow-up. rpact: dropoutRate1 = dropoutRate2 = 0.05 by dropoutTime = 12 months,
#     an exponential dropout hazard of -log(0.95) / 12 per month. survtrial: an exponential
#     hazard outcomes.loss_to_follow_up_per_year = -log(0.95) = 0.05129329438755058 per year.
#     The same hazard.
#  7. Latest final date. survtrial needs monitoring.latest_final_date; it is 2040-01-01, 20
#     years after the start, and never binds (510 events come at about 2 years). rpact has no
#     calendar limit (maxNumberOfSubjects and the event targets only).
#  8. Test statistic and direction. Both use the unstratified log-rank z; rpact with
#     directionUpper = FALSE (rejects for hazard ratio < 1), survtrial with sided = 1 and
#     the bound on -z (negative z favours the experimental arm).
#  9. Hazard ratio at the stop. rpact's hazardRatioEstimateLR is exp(-2 z / sqrt(D)) from the
#     log-rank z and the D events (1:1); survtrial reports the Cox estimate. Recorded here
#     for information only: they are different estimators and are not to be compared within
#     Monte Carlo error.
#
# WHAT EACH FIXTURE HOLDS (per scenario; probabilities are over all iterations)
#   overall_reject, reject_per_stage (per look, NOT cumulative), futility_per_stage (per look,
#   the last always 0; all 0 here: no futility bound), early_stop: probabilities p, each
#   with mc_se = sqrt(p (1 - p) / n).
#   expected_number_of_events, expected_number_of_subjects, study_duration_months (and _years):
#   means over iterations of the value at the look where the trial stopped, computed from the
#   per-iteration data getData(sim), with mc_se = sd / sqrt(n). They equal rpact's
#   expectedNumberOfEvents and studyDuration (checked to 1e-6), but NOT its
#   expectedNumberOfSubjects, which is sum_k P(stop at k) * E[subjects at k | k reached]
#   (checked): a trial that rejects at a look had fewer events on the experimental arm, so it
#   reached the look later, with more subjects, than the average trial at that look (rpact's
#   figure is lower by 0.4 subjects in of_hr075, 1.6 of its SEs). Compare survtrial's
#   expected_subjects (the mean at the stop) with expected_number_of_subjects; rpact's own
#   figure is kept as rpact_expected_number_of_subjects. analysis_time_months,
#   number_of_subjects and cumulative_events per look: means over the iterations that
#   reached that look, with their mc_se = sd / sqrt(n_k), n_k = iterations_per_stage.
#   hazard_ratio_estimate_lr_at_stop:
#   mean (with mc_se) and median of rpact's log-rank HR estimate at the stop (see 9).
#   design: critical values, alpha spent and stage levels of getDesignGroupSequential.
#   Estimates are {"estimate": x, "mc_se": s}, as in survtrial's operating_characteristics.json.
options(digits = 17, warn = 1)
suppressPackageStartupMessages({
  library(rpact)
  library(jsonlite)
})
stopifnot(packageVersion("rpact") >= "3.3.0")
setLogLevel("DISABLED")
out_dir <- "fixtures/simulate"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

args <- commandArgs(trailingOnly = TRUE)
iterations <- if (length(args) >= 1) as.integer(args[[1]]) else 100000L
stopifnot(!is.na(iterations), iterations >= 100L)

days_per_month <- 365.25 / 12  # survtrial.units.DAYS_PER_MONTH
common <- list(
  information_rates = c(1, 2, 3) / 3,
  alpha = 0.025,                     # one-sided
  planned_events = c(170, 340, 510),
  accrual_intensity_per_month = 60,  # accrualTime = 0: uniform from month 0
  max_number_of_subjects = 1200,
  lambda2_per_month = log(2) / 15,   # control median 15 months
  dropout_time_months = 12
)
scenarios <- list(
  list(name = "of_hr075", type = "asOF", hr = 0.75, dropout = 0, seed = 101),
  list(name = "pocock_hr075", type = "asP", hr = 0.75, dropout = 0, seed = 102),
  list(name = "of_hr075_dropout", type = "asOF", hr = 0.75, dropout = 0.05, seed = 103),
  list(name = "pocock_hr075_dropout", type = "asP", hr = 0.75, dropout = 0.05, seed = 104),
  list(name = "of_null", type = "asOF", hr = 1, dropout = 0, seed = 105),
  list(name = "pocock_null_dropout", type = "asP", hr = 1, dropout = 0.05, seed = 106)
)

est <- function(x, se) list(estimate = as.numeric(x), mc_se = as.numeric(se))
prob <- function(p, n) est(p, sqrt(p * (1 - p) / n))
mean_se <- function(x) est(mean(x), sd(x) / sqrt(length(x)))

run_scenario <- function(sc) {
  design <- getDesignGroupSequential(
    informationRates = common$information_rates, alpha = common$alpha, sided = 1,
    typeOfDesign = sc$type)
  started <- proc.time()[["elapsed"]]
  sim <- getSimulationSurvival(
    design,
    lambda2 = common$lambda2_per_month, hazardRatio = sc$hr, directionUpper = FALSE,
    plannedEvents = common$planned_events,
    accrualTime = 0, accrualIntensity = common$accrual_intensity_per_month,
    maxNumberOfSubjects = common$max_number_of_subjects,
    dropoutRate1 = sc$dropout, dropoutRate2 = sc$dropout,
    dropoutTime = common$dropout_time_months,
    allocation1 = 1, allocation2 = 1,
    maxNumberOfIterations = iterations, seed = sc$seed, longTimeSimulationAllowed = TRUE)
  elapsed <- proc.time()[["elapsed"]] - started
  n <- sim$maxNumberOfIterations
  k_max <- length(common$planned_events)
  stopifnot(n == iterations, all(sim$eventsNotAchieved == 0))

  # per-iteration data: one row per iteration and look reached
  d <- getData(sim)
  d <- d[order(d$iterationNumber, d$stageNumber), ]
  d$events <- d$overallEvents1 + d$overallEvents2  # cumulative events at the look
  last <- !duplicated(d$iterationNumber, fromLast = TRUE)
  stop_row <- d[last, ]
  stopifnot(nrow(stop_row) == n)
  rejected <- tapply(d$rejectPerStage, d$iterationNumber, sum)
  stopifnot(all(rejected <= 1))

  # the per-iteration means reproduce rpact's own summaries
  tol <- 1e-9
  reject_per_stage <- as.numeric(sim$rejectPerStage)
  futility_per_stage <- as.numeric(sim$futilityPerStage)  # looks 1 .. K - 1 only
  futility_per_stage <- c(futility_per_stage, rep(0, k_max - length(futility_per_stage)))
  stop_prob <- reject_per_stage + futility_per_stage
  stop_prob[k_max] <- 1 - sum(stop_prob[-k_max])
  stopifnot(
    abs(mean(stop_row$events) - sim$expectedNumberOfEvents) < tol * 1000,
    abs(mean(stop_row$analysisTime) - sim$studyDuration) < tol * 100,
    abs(mean(rejected) - sim$overallReject) < tol,
    # rpact's expectedNumberOfSubjects weights each look's mean over the iterations that
    # REACHED it by the probability of stopping there (not the mean at the stop)
    abs(sum(stop_prob * as.numeric(sim$numberOfSubjects)) - sim$expectedNumberOfSubjects) <
      tol * 1000
  )
  for (k in seq_len(k_max)) {
    stopifnot(abs(sum(d$rejectPerStage[d$stageNumber == k]) / n - reject_per_stage[k]) < tol)
  }
  by_stage <- function(column) {
    lapply(seq_len(k_max), function(k) mean_se(d[[column]][d$stageNumber == k]))
  }
  reached <- as.integer(table(factor(d$stageNumber, levels = seq_len(k_max))))
  stopifnot(all(abs(sapply(by_stage("analysisTime"), `[[`, "estimate") -
                      as.numeric(sim$analysisTime)) < 1e-9))

  duration <- stop_row$analysisTime
  hr_lr <- stop_row$hazardRatioEstimateLR
  early <- sum(reject_per_stage[-k_max]) + sum(futility_per_stage)
  stopifnot(abs(early - as.numeric(sim$earlyStop)) < tol)
  list(
    meta = list(
      rpact = as.character(packageVersion("rpact")), r = R.version.string,
      script = "tests/reference/make_simulate_reference.R",
      protocol = file.path("tests/reference/fixtures/simulate", paste0(sc$name, ".toml")),
      elapsed_seconds_simulation = elapsed,
      elapsed_note = "getSimulationSurvival alone, one core; machine-dependent, not a reference"
    ),
    scenario = sc$name,
    input = list(
      type_of_design = sc$type, information_rates = common$information_rates,
      alpha = common$alpha, sided = 1, direction_upper = FALSE,
      hazard_ratio = sc$hr, lambda2_per_month = common$lambda2_per_month,
      lambda1_per_month = sc$hr * common$lambda2_per_month,
      median2_months = log(2) / common$lambda2_per_month,
      planned_events = common$planned_events,
      accrual_time = 0, accrual_intensity_per_month = common$accrual_intensity_per_month,
      max_number_of_subjects = common$max_number_of_subjects,
      dropout_rate = sc$dropout, dropout_time_months = common$dropout_time_months,
      dropout_hazard_per_year = if (sc$dropout > 0) -log(1 - sc$dropout) else 0,
      allocation1 = 1, allocation2 = 1, seed = sc$seed,
      days_per_month = days_per_month
    ),
    iterations = n,
    iterations_per_stage = reached,
    design = list(
      critical_values = as.numeric(design$criticalValues),
      alpha_spent = as.numeric(design$alphaSpent),
      stage_levels = as.numeric(design$stageLevels)
    ),
    overall_reject = prob(sim$overallReject, n),
    reject_per_stage = lapply(reject_per_stage, prob, n = n),
    futility_per_stage = lapply(futility_per_stage, prob, n = n),
    early_stop = prob(early, n),
    expected_number_of_events = mean_se(stop_row$events),
    expected_number_of_subjects = mean_se(stop_row$numberOfSubjects),
    rpact_expected_number_of_subjects = list(
      estimate = as.numeric(sim$expectedNumberOfSubjects),
      note = paste("rpact's summary: sum over looks of P(stop there) x mean subjects over the",
                   "iterations that reached the look; not the mean at the stop")
    ),
    study_duration_months = mean_se(duration),
    study_duration_years = mean_se(duration / 12),
    analysis_time_months = by_stage("analysisTime"),
    number_of_subjects = by_stage("numberOfSubjects"),
    cumulative_events = by_stage("events"),
    hazard_ratio_estimate_lr_at_stop = list(
      mean = mean_se(hr_lr), median = median(hr_lr),
      note = "exp(-2 z / sqrt(D)) from rpact's log-rank z: not survtrial's Cox estimate"
    )
  )
}

for (sc in scenarios) {
  res <- run_scenario(sc)
  write_json(res, file.path(out_dir, paste0(sc$name, ".json")),
             digits = NA, auto_unbox = TRUE, na = "string", pretty = TRUE)
  cat(sprintf("%-22s %6.1f s  %7.0f trials/s  power %.4f  E[events] %.2f  E[N] %.2f\n",
              sc$name, res$meta$elapsed_seconds_simulation,
              res$iterations / res$meta$elapsed_seconds_simulation,
              res$overall_reject$estimate, res$expected_number_of_events$estimate,
              res$expected_number_of_subjects$estimate))
}
