#!/usr/bin/env Rscript
# Writes the rpact fixtures that tests/test_design*.py compare against:
#   fixtures/design/designs.json      group-sequential designs + getDesignCharacteristics
#   fixtures/design/monitoring.json   bounds re-spent at observed information (update_bounds)
#   fixtures/design/survival.json     getSampleSizeSurvival / getPowerSurvival
#   fixtures/design/analysis.json     getAnalysisResults: conditional power, repeated CIs,
#                                     final (stage-wise ordering) p-value, median-unbiased
#                                     estimate and final CI
# Run from this folder:  Rscript make_design_reference.R
# Needs R >= 4.1 with rpact 3.3.4 (Debian's r-cran-rpact) and jsonlite.
options(digits = 17, warn = 1)
suppressPackageStartupMessages({
  library(rpact)
  library(jsonlite)
})
stopifnot(packageVersion("rpact") >= "3.3.0")
dir.create("fixtures/design", showWarnings = FALSE, recursive = TRUE)
setLogLevel("DISABLED")

num <- function(x) if (is.null(x)) NULL else as.numeric(x)  # NA -> "NA", Inf -> "Inf"
write_fixture <- function(x, name) {
  meta <- list(rpact = as.character(packageVersion("rpact")), r = R.version.string,
               script = "tests/reference/make_design_reference.R")
  write_json(list(meta = meta, cases = x), file.path("fixtures/design", name),
             digits = NA, auto_unbox = TRUE, na = "string", pretty = TRUE)
}

# ---------------------------------------------------------------------------------------------
# 1. designs
design_case <- function(id, rates, alpha = 0.025, beta = 0.2, sided = 1, typeOfDesign = "asOF",
                        gammaA = NA_real_, typeBetaSpending = "none", gammaB = NA_real_,
                        userAlphaSpending = NA_real_, userBetaSpending = NA_real_,
                        bindingFutility = FALSE, futilityBounds = NA_real_) {
  args <- list(informationRates = rates, alpha = alpha, beta = beta, sided = sided,
               typeOfDesign = typeOfDesign, typeBetaSpending = typeBetaSpending)
  if (!is.na(gammaA)) args$gammaA <- gammaA
  if (!is.na(gammaB)) args$gammaB <- gammaB
  if (!all(is.na(userAlphaSpending))) args$userAlphaSpending <- userAlphaSpending
  if (!all(is.na(userBetaSpending))) args$userBetaSpending <- userBetaSpending
  if (!all(is.na(futilityBounds))) args$futilityBounds <- futilityBounds
  if (typeBetaSpending != "none" || !all(is.na(futilityBounds))) {
    args$bindingFutility <- bindingFutility
  }
  d <- suppressWarnings(do.call(getDesignGroupSequential, args))
  ch <- getDesignCharacteristics(d)
  list(
    id = id,
    input = list(information_rates = rates, alpha = alpha, beta = beta, sided = sided,
                 type_of_design = typeOfDesign, gamma_a = num(gammaA),
                 type_beta_spending = typeBetaSpending, gamma_b = num(gammaB),
                 user_alpha_spending = num(userAlphaSpending),
                 user_beta_spending = num(userBetaSpending),
                 binding_futility = bindingFutility,
                 futility_bounds_given = num(futilityBounds)),
    critical_values = num(d$criticalValues),
    futility_bounds = num(d$futilityBounds),
    alpha_spent = num(d$alphaSpent),
    stage_levels = num(d$stageLevels),
    beta_spent = num(d$betaSpent),
    inflation_factor = num(ch$inflationFactor),
    shift = num(ch$shift),
    power = num(ch$power),
    rejection_probabilities = num(ch$rejectionProbabilities),
    futility_probabilities = num(ch$futilityProbabilities),
    asn0 = num(ch$averageSampleNumber0),
    asn01 = num(ch$averageSampleNumber01),
    asn1 = num(ch$averageSampleNumber1)
  )
}

designs <- list(
  design_case("of_k3_b10", c(1, 2, 3) / 3, beta = 0.1),
  design_case("of_k5", (1:5) / 5),
  design_case("of_k2_a05", c(0.5, 1), alpha = 0.05),
  design_case("of_k4_unequal_a0125", c(0.2, 0.45, 0.8, 1), alpha = 0.0125, beta = 0.1),
  design_case("of_k6", (1:6) / 6),
  design_case("of_k1", 1),
  design_case("p_k3", c(1, 2, 3) / 3),
  design_case("p_k5_unequal_a05", c(0.15, 0.3, 0.55, 0.8, 1), alpha = 0.05),
  design_case("p_k2_a0125", c(0.5, 1), alpha = 0.0125, beta = 0.1),
  design_case("hsd_m4_k3", c(1, 2, 3) / 3, typeOfDesign = "asHSD", gammaA = -4),
  design_case("hsd_m2_k4_unequal", c(0.3, 0.5, 0.75, 1), typeOfDesign = "asHSD", gammaA = -2),
  design_case("hsd_1_k5_a05", (1:5) / 5, alpha = 0.05, typeOfDesign = "asHSD", gammaA = 1),
  design_case("hsd_0_k3", c(1, 2, 3) / 3, typeOfDesign = "asHSD", gammaA = 0),
  design_case("kd_3_k3", c(1, 2, 3) / 3, typeOfDesign = "asKD", gammaA = 3),
  design_case("kd_15_k4_unequal", c(0.25, 0.4, 0.7, 1), typeOfDesign = "asKD", gammaA = 1.5),
  design_case("kd_2_k6_a02", (1:6) / 6, alpha = 0.02, typeOfDesign = "asKD", gammaA = 2),
  design_case("user_k3", c(1, 2, 3) / 3, typeOfDesign = "asUser",
              userAlphaSpending = c(0.001, 0.01, 0.025)),
  design_case("user_k4_zero_first", c(0.25, 0.5, 0.75, 1), typeOfDesign = "asUser",
              userAlphaSpending = c(0, 0.005, 0.015, 0.025)),
  design_case("two_sided_of_k3", c(1, 2, 3) / 3, alpha = 0.05, sided = 2, beta = 0.1),
  design_case("two_sided_p_k4", (1:4) / 4, alpha = 0.05, sided = 2, typeOfDesign = "asP"),
  design_case("two_sided_hsd_k5_unequal", c(0.2, 0.35, 0.6, 0.85, 1), alpha = 0.05, sided = 2,
              typeOfDesign = "asHSD", gammaA = -4),
  design_case("two_sided_kd_k2", c(0.6, 1), alpha = 0.02, sided = 2, typeOfDesign = "asKD",
              gammaA = 2),
  design_case("of_bsof_nb_k3", c(1, 2, 3) / 3, typeBetaSpending = "bsOF"),
  design_case("of_bsof_bind_k3", c(1, 2, 3) / 3, typeBetaSpending = "bsOF",
              bindingFutility = TRUE),
  design_case("p_bsp_nb_k4", (1:4) / 4, beta = 0.1, typeOfDesign = "asP", typeBetaSpending = "bsP"),
  design_case("hsd_bshsd_bind_k5", (1:5) / 5, typeOfDesign = "asHSD", gammaA = -4,
              typeBetaSpending = "bsHSD", gammaB = -2, bindingFutility = TRUE),
  design_case("kd_bskd_nb_k4_unequal", c(0.3, 0.5, 0.8, 1), alpha = 0.05,
              typeOfDesign = "asKD", gammaA = 3, typeBetaSpending = "bsKD", gammaB = 2),
  design_case("of_bsuser_nb_k3", c(1, 2, 3) / 3, typeBetaSpending = "bsUser",
              userBetaSpending = c(0.02, 0.08, 0.2)),
  design_case("user_bshsd_bind_k3", c(0.4, 0.7, 1), typeOfDesign = "asUser",
              userAlphaSpending = c(0.002, 0.01, 0.025), typeBetaSpending = "bsHSD",
              gammaB = -4, bindingFutility = TRUE),
  design_case("of_bsof_nb_k6_unequal", c(0.1, 0.25, 0.4, 0.6, 0.8, 1),
              typeBetaSpending = "bsOF"),
  design_case("of_bsof_bind_k2_a0125", c(0.5, 1), alpha = 0.0125, beta = 0.1,
              typeBetaSpending = "bsOF", bindingFutility = TRUE),
  design_case("of_given_futility_nb_k3", c(1, 2, 3) / 3, futilityBounds = c(0, 0)),
  design_case("p_given_futility_bind_k4", c(0.25, 0.5, 0.75, 1), typeOfDesign = "asP",
              futilityBounds = c(-0.5, 0, 0.5), bindingFutility = TRUE)
)
write_fixture(designs, "designs.json")

# ---------------------------------------------------------------------------------------------
# 2. monitoring: bounds spent at observed information fractions. rpact re-designs with
# informationRates = observed / last observed and, when the last look is not at the planned
# maximum, a user spending vector a(t_1), ..., a(t_{k-1}), alpha (the final look spends all).
spend <- function(alpha, t, sided, type, gamma) {
  sapply(t, function(x) rpact:::getSpendingValueCpp(alpha, min(x, 1), sided, type, gamma))
}
monitoring_case <- function(id, planned, observed, final, alpha = 0.025, sided = 1,
                            typeOfDesign = "asOF", gammaA = NA_real_) {
  g <- ifelse(is.na(gammaA), NA_real_, gammaA)
  k <- length(observed)
  if (final) {
    user <- c(spend(alpha, observed[-k], sided, typeOfDesign, g), alpha)
    rates <- observed / observed[k]
  } else {
    user <- c(spend(alpha, observed, sided, typeOfDesign, g), alpha)
    rates <- c(observed, max(1, observed[k] * 1.1)) / max(1, observed[k] * 1.1)
  }
  d <- getDesignGroupSequential(informationRates = rates, alpha = alpha, sided = sided,
                                typeOfDesign = "asUser", userAlphaSpending = user)
  list(id = id,
       input = list(planned_information_rates = planned, observed = observed, final = final,
                    alpha = alpha, sided = sided, type_of_design = typeOfDesign,
                    gamma_a = num(gammaA)),
       critical_values = num(d$criticalValues[1:k]), alpha_spent = num(d$alphaSpent[1:k]))
}
monitoring <- list(
  monitoring_case("as_planned", c(1, 2, 3) / 3, c(1, 2, 3) / 3, TRUE),
  monitoring_case("under_running_final", c(1, 2, 3) / 3, c(0.3, 0.71, 0.95), TRUE),
  monitoring_case("over_running_final", c(1, 2, 3) / 3, c(0.35, 0.7, 1.1), TRUE),
  monitoring_case("two_interims", c(1, 2, 3) / 3, c(0.4, 0.62), FALSE),
  monitoring_case("skipped_look", c(1, 2, 3) / 3, c(0.5, 1.0), TRUE),
  monitoring_case("extra_look", c(1, 2, 3) / 3, c(0.25, 0.5, 0.75, 1.0), TRUE),
  monitoring_case("pocock_under", c(0.25, 0.5, 0.75, 1), c(0.22, 0.51, 0.8, 0.97), TRUE,
                  typeOfDesign = "asP"),
  monitoring_case("two_sided_hsd_over", c(1, 2, 3) / 3, c(0.3, 0.64, 1.08), TRUE, alpha = 0.05,
                  sided = 2, typeOfDesign = "asHSD", gammaA = -4),
  monitoring_case("kd_interim", c(0.25, 0.5, 0.75, 1), c(0.31), FALSE, typeOfDesign = "asKD",
                  gammaA = 2)
)
write_fixture(monitoring, "monitoring.json")

# ---------------------------------------------------------------------------------------------
# 3. sample size and power (exponential survival, piecewise-uniform accrual, dropout)
make_design <- function(x) {
  args <- x
  d <- suppressWarnings(do.call(getDesignGroupSequential, args))
  d
}
survival_case <- function(id, kind, design_args, args) {
  d <- make_design(design_args)
  f <- if (kind == "sample_size") getSampleSizeSurvival else getPowerSurvival
  s <- suppressWarnings(do.call(f, c(list(design = d), args)))
  v <- function(n) num(s[[n]])
  list(id = id, kind = kind, design = design_args, input = args,
       max_events = v("maxNumberOfEvents"), events_fixed = v("eventsFixed"),
       max_subjects = v("maxNumberOfSubjects"), follow_up = v("followUpTime"),
       accrual_time = v("accrualTime"), accrual_intensity = v("accrualIntensity"),
       lambda1 = v("lambda1"), lambda2 = v("lambda2"),
       analysis_time = v("analysisTime"), events_per_stage = v("eventsPerStage"),
       subjects_per_stage = v("numberOfSubjects"),
       expected_events_h1 = v("expectedEventsH1"), expected_events_h0 = v("expectedEventsH0"),
       expected_events_h01 = v("expectedEventsH01"),
       expected_events = v("expectedNumberOfEvents"),
       study_duration = v("studyDuration"), max_study_duration = v("maxStudyDuration"),
       expected_subjects_h1 = v("expectedNumberOfSubjectsH1"),
       expected_subjects = v("expectedNumberOfSubjects"),
       overall_reject = v("overallReject"), reject_per_stage = v("rejectPerStage"),
       futility_per_stage = v("futilityPerStage"), early_stop = v("earlyStop"),
       hr_bounds = v("criticalValuesEffectScale"),
       hr_bounds_lower = v("criticalValuesEffectScaleLower"),
       hr_futility_bounds = v("futilityBoundsEffectScale"))
}
of3 <- list(informationRates = c(1, 2, 3) / 3, alpha = 0.025, beta = 0.1, typeOfDesign = "asOF")
survival <- list(
  survival_case("aall1731_like", "sample_size", of3,
                list(pi2 = 0.12, eventTime = 36, hazardRatio = 0.5, accrualTime = c(0, 24),
                     followUpTime = 36, dropoutRate1 = 0.05, dropoutRate2 = 0.05,
                     dropoutTime = 12)),
  survival_case("median_futility_r2", "sample_size",
                list(informationRates = (1:4) / 4, alpha = 0.025, beta = 0.2,
                     typeOfDesign = "asOF", typeBetaSpending = "bsOF"),
                list(median2 = 12, hazardRatio = 0.7, accrualTime = c(0, 18),
                     followUpTime = 12, allocationRatioPlanned = 2)),
  survival_case("lambda_piecewise_accrual", "sample_size",
                list(informationRates = c(0.5, 1), alpha = 0.025, beta = 0.2,
                     typeOfDesign = "asP"),
                list(lambda2 = 0.05, hazardRatio = 0.75, accrualTime = c(0, 6, 12),
                     accrualIntensity = c(0.1, 0.2), followUpTime = 12,
                     dropoutRate1 = 0.1, dropoutRate2 = 0.05, dropoutTime = 12)),
  survival_case("freedman_kd", "sample_size",
                list(informationRates = c(0.3, 0.6, 1), alpha = 0.025, beta = 0.2,
                     typeOfDesign = "asKD", gammaA = 2),
                list(typeOfComputation = "Freedman", median2 = 20, hazardRatio = 0.6,
                     accrualTime = c(0, 12), followUpTime = 24)),
  survival_case("max_subjects_given", "sample_size",
                list(informationRates = c(1, 2, 3) / 3, alpha = 0.025, beta = 0.2,
                     typeOfDesign = "asOF"),
                list(median2 = 30, hazardRatio = 0.7, accrualTime = c(0, 24),
                     maxNumberOfSubjects = 900)),
  survival_case("binding_hsd_two_sided", "sample_size",
                list(informationRates = c(0.4, 0.7, 1), alpha = 0.05, beta = 0.2, sided = 2,
                     typeOfDesign = "asHSD", gammaA = -4),
                list(pi2 = 0.3, eventTime = 24, hazardRatio = 0.65, accrualTime = c(0, 15),
                     followUpTime = 18, allocationRatioPlanned = 0.5)),
  survival_case("accrual_rate_follow_up", "sample_size",
                list(informationRates = c(1, 2, 3) / 3, alpha = 0.025, beta = 0.2,
                     typeOfDesign = "asOF"),
                list(median2 = 12, hazardRatio = 0.7, accrualTime = 0, accrualIntensity = 20,
                     followUpTime = 12, dropoutRate1 = 0.05, dropoutRate2 = 0.05,
                     dropoutTime = 12)),
  survival_case("power_of3", "power", of3,
                list(maxNumberOfEvents = 100, maxNumberOfSubjects = 400, hazardRatio = 0.6,
                     median2 = 24, accrualTime = c(0, 18), dropoutRate1 = 0.1,
                     dropoutRate2 = 0.1, dropoutTime = 12, directionUpper = FALSE)),
  survival_case("power_futility_r2", "power",
                list(informationRates = (1:4) / 4, alpha = 0.025, beta = 0.2,
                     typeOfDesign = "asOF", typeBetaSpending = "bsOF"),
                list(maxNumberOfEvents = 300, maxNumberOfSubjects = 800, hazardRatio = 0.8,
                     lambda2 = 0.03, accrualTime = c(0, 24), allocationRatioPlanned = 2,
                     directionUpper = FALSE)),
  survival_case("power_two_sided_pocock", "power",
                list(informationRates = c(0.5, 1), alpha = 0.05, beta = 0.2, sided = 2,
                     typeOfDesign = "asP"),
                list(maxNumberOfEvents = 150, maxNumberOfSubjects = 500, hazardRatio = 0.7,
                     pi2 = 0.4, eventTime = 24, accrualTime = c(0, 12), directionUpper = FALSE))
)
write_fixture(survival, "survival.json")

# ---------------------------------------------------------------------------------------------
# 4. analysis: conditional power, repeated CIs, final inference (log-rank statistics whose
# negative values favour the experimental arm; directionUpper = FALSE)
analysis_case <- function(id, design_args, events, logranks, ratio = 1, nPlanned = NA_real_,
                          thetaH1 = NA_real_) {
  d <- make_design(design_args)
  k <- length(events)
  ds <- getDataset(overallEvents = events, overallLogRanks = logranks,
                   overallAllocationRatios = rep(ratio, k))
  args <- list(design = d, dataInput = ds, directionUpper = FALSE)
  if (k < d$kMax) {
    args$nPlanned <- nPlanned
    args$allocationRatioPlanned <- ratio
  }
  if (!is.na(thetaH1)) args$thetaH1 <- thetaH1
  r <- suppressWarnings(do.call(getAnalysisResults, args))
  list(id = id, design = design_args,
       input = list(events = events, logranks = logranks, allocation_ratio = ratio,
                    n_planned = num(nPlanned), theta_h1 = num(thetaH1)),
       theta_h1_used = num(r$thetaH1),
       conditional_power = num(r$conditionalPower),
       rci_lower = num(r$repeatedConfidenceIntervalLowerBounds),
       rci_upper = num(r$repeatedConfidenceIntervalUpperBounds),
       final_stage = num(r$finalStage),
       final_p = num(r$finalPValues),
       final_ci_lower = num(r$finalConfidenceIntervalLowerBounds),
       final_ci_upper = num(r$finalConfidenceIntervalUpperBounds),
       median_unbiased = num(r$medianUnbiasedEstimates))
}
nb4 <- list(informationRates = (1:4) / 4, alpha = 0.025, beta = 0.2, typeOfDesign = "asOF",
            typeBetaSpending = "bsOF")
analysis <- list(
  analysis_case("stop_at_2", of3, c(30, 61), c(-1.5, -2.7), nPlanned = 30, thetaH1 = 0.5),
  analysis_case("interim_1_trend", of3, c(30), c(-1.5), nPlanned = c(30, 30)),
  analysis_case("interim_1_design_hr", of3, c(29), c(-1.1), nPlanned = c(31, 30),
                thetaH1 = 0.5),
  analysis_case("stop_at_1", of3, c(31), c(-4.0), nPlanned = c(30, 29)),
  analysis_case("final_no_stop", of3, c(30, 60, 91), c(-1.2, -2.0, -2.3)),
  analysis_case("futility_design_3_of_4", nb4, c(50, 101, 149), c(-0.9, -1.9, -2.2),
                nPlanned = 52),
  analysis_case("futility_design_r2", nb4, c(60, 118), c(-1.4, -2.05), ratio = 2,
                nPlanned = c(60, 60), thetaH1 = 0.7),
  analysis_case("pocock_two_sided", list(informationRates = c(1, 2, 3) / 3, alpha = 0.05,
                                         beta = 0.2, sided = 2, typeOfDesign = "asP"),
                c(40, 82), c(-1.8, -2.6), nPlanned = 40),
  analysis_case("hsd_final_stage", list(informationRates = c(0.3, 0.6, 1), alpha = 0.025,
                                        beta = 0.2, typeOfDesign = "asHSD", gammaA = -2),
                c(45, 92, 150), c(-0.8, -1.7, -2.1))
)
write_fixture(analysis, "analysis.json")
cat("wrote fixtures/design/{designs,monitoring,survival,analysis}.json\n")
