#!/usr/bin/env Rscript
# Writes fixtures/subgroups/{adtte,adsl,adae}.csv (the input) and reference.json (R's numbers),
# which tests/test_subgroups_reference.py and tests/test_analysis_tables.py compare
# `survtrial analyze --adsl ... --subgroups ... --baseline ...` against.
# Run from this folder:  Rscript make_subgroups_reference.R
# Needs r-cran-survival and r-cran-jsonlite (versions recorded in the JSON).
#
# The data: 360 subjects, arms "Control" (first) and "Drug X", two strata (STRATUM, in both the
# ADTTE and ADSL), integer days (tied times). ADSL: AGE (continuous, 6 missing), SEX, AGEGR1
# ("<65"/">=65", missing where AGE is), REGION1 (three regions, 5 blank), WEIGHTBL. ADAE: five
# terms with CTCAE grades 1-5 in AETOXGR (some blank: not graded), some subjects more than once.
#
# For each subgroup factor F in SEX, AGEGR1, REGION1 and STRATUM (the stratification factor
# itself), on the subjects with F known:
#   per level:   coxph(Surv(AVAL, 1 - CNSR) ~ drug + strata(STRATUM), subset = F == level)
#   interaction: fit0 <- coxph(Surv ~ drug + F + strata(STRATUM)),
#                fit1 <- coxph(Surv ~ drug * F + strata(STRATUM)); LR = 2 (loglik1 - loglik0),
#                df = non-NA coefficients of fit1 - of fit0 (F = STRATUM: F's own terms are NA,
#                absorbed by the strata); anova(fit0, fit1) gives the same (both recorded).
# and the same unstratified (no strata() term) for SEX and REGION1 (`--strata none`).
# Table 1: quantile(x, c(.25, .5, .75)) (type 7, R's default) of AGE and WEIGHTBL by arm and
# overall, and table() of SEX, AGEGR1, REGION1 by arm.
options(digits = 17, warn = 1)
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})
dir.create("fixtures/subgroups", showWarnings = FALSE, recursive = TRUE)

set.seed(20261126)
n <- 360
usubjid <- sprintf("SG-%04d", seq_len(n))
arm <- rep(c("Control", "Drug X"), length.out = n)
stratum <- sample(c("Low risk", "High risk"), n, replace = TRUE, prob = c(0.6, 0.4))
sex <- sample(c("F", "M"), n, replace = TRUE)
age <- round(rnorm(n, 60, 9), 1)
region <- sample(c("Europe", "North America", "Asia"), n, replace = TRUE, prob = c(.45, .35, .2))
weight <- round(rlnorm(n, log(75), 0.18), 1)
# the drug works better in women and in Europe: a real interaction for the tests to find
lhr <- log(0.65) * (arm == "Drug X") - 0.5 * (arm == "Drug X") * (sex == "F") +
  0.6 * (stratum == "High risk") + 0.02 * (age - 60) +
  0.4 * (arm == "Drug X") * (region != "Europe")
ev_t <- ceiling(rexp(n, exp(lhr) / 1000))
cens <- ceiling(runif(n, 300, 1400))
aval <- pmin(ev_t, cens)
cnsr <- as.integer(ev_t > cens)
age[c(7, 50, 101, 150, 222, 300)] <- NA
region[c(11, 90, 180, 270, 333)] <- ""
agegr <- ifelse(is.na(age), "", ifelse(age < 65, "<65", ">=65"))

adtte <- data.frame(STUDYID = "SG", USUBJID = usubjid, TRTP = arm, STRATUM = stratum,
                    PARAMCD = "PFS", AVAL = aval, AVALU = "DAYS", CNSR = cnsr,
                    stringsAsFactors = FALSE)
adsl <- data.frame(STUDYID = "SG", USUBJID = usubjid, TRT01P = arm, STRATUM = stratum,
                   AGE = age, AGEGR1 = agegr, SEX = sex, REGION1 = region, WEIGHTBL = weight,
                   stringsAsFactors = FALSE)
write.csv(adtte, "fixtures/subgroups/adtte.csv", row.names = FALSE, na = "")
write.csv(adsl, "fixtures/subgroups/adsl.csv", row.names = FALSE, na = "")

terms <- c("Neutropenia", "Infection", "Rash", "Nausea", "Sepsis")
ae_rows <- list()
for (i in seq_len(n)) for (k in seq_along(terms)) {
  if (runif(1) < c(0.3, 0.2, 0.1, 0.25, 0.05)[k] * ifelse(arm[i] == "Drug X", 1.3, 1)) {
    reps <- 1 + rbinom(1, 1, 0.3)
    for (r in seq_len(reps)) {
      g <- sample(c(1:5, NA), 1, prob = c(.3, .3, .2, .1, .04, .06))
      ae_rows[[length(ae_rows) + 1]] <- data.frame(USUBJID = usubjid[i], AEDECOD = terms[k],
                                                   AETOXGR = g, stringsAsFactors = FALSE)
    }
  }
}
adae <- do.call(rbind, ae_rows)
write.csv(adae, "fixtures/subgroups/adae.csv", row.names = FALSE, na = "")

d <- merge(adtte, adsl[, c("USUBJID", "AGE", "AGEGR1", "SEX", "REGION1", "WEIGHTBL")],
           by = "USUBJID")
d <- d[order(d$USUBJID), ]
d$status <- 1 - d$CNSR
d$drug <- as.integer(d$TRTP == "Drug X")

cox_entry <- function(fit) {
  s <- summary(fit)
  list(coef = unname(coef(fit)[1]), std_err = unname(sqrt(diag(vcov(fit)))[1]),
       hazard_ratio = unname(exp(coef(fit)[1])),
       ci = unname(c(s$conf.int[1, "lower .95"], s$conf.int[1, "upper .95"])),
       pvalue = unname(s$coefficients[1, "Pr(>|z|)"]), n = fit$n, events = fit$nevent)
}

subgroup <- function(col, stratified) {
  k <- d[!is.na(d[[col]]) & d[[col]] != "", ]
  k$F <- factor(k[[col]])  # levels sorted, as survtrial codes them
  st <- if (stratified) " + strata(STRATUM)" else ""
  levels_out <- list()
  for (lv in levels(k$F)) {
    fit <- coxph(as.formula(paste("Surv(AVAL, status) ~ drug", st)), data = k[k$F == lv, ])
    levels_out[[lv]] <- cox_entry(fit)
  }
  fit0 <- coxph(as.formula(paste("Surv(AVAL, status) ~ drug + F", st)), data = k)
  fit1 <- coxph(as.formula(paste("Surv(AVAL, status) ~ drug * F", st)), data = k)
  a <- anova(fit0, fit1)
  list(levels = levels_out, missing = nrow(d) - nrow(k),
       interaction = list(statistic = 2 * (fit1$loglik[2] - fit0$loglik[2]),
                          df = sum(!is.na(coef(fit1))) - sum(!is.na(coef(fit0))),
                          pvalue = a[["Pr(>|Chi|)"]][2], anova_chisq = a$Chisq[2],
                          anova_df = a$Df[2]))
}

stratified <- list()
for (col in c("SEX", "AGEGR1", "REGION1", "STRATUM")) stratified[[col]] <- subgroup(col, TRUE)
unstratified <- list()
for (col in c("SEX", "REGION1")) unstratified[[col]] <- subgroup(col, FALSE)

arms <- c("Control", "Drug X")
quart <- function(x) {
  x <- x[!is.na(x)]
  q <- unname(quantile(x, c(0.25, 0.5, 0.75)))  # type 7
  list(n = length(x), q1 = q[1], median = q[2], q3 = q[3])
}
baseline <- list()
for (col in c("AGE", "WEIGHTBL")) {
  e <- list(total = quart(d[[col]]))
  for (a in arms) e[[a]] <- quart(d[[col]][d$TRTP == a])
  e$missing <- sum(is.na(d[[col]]))
  baseline[[col]] <- e
}
for (col in c("SEX", "AGEGR1", "REGION1")) {
  v <- ifelse(d[[col]] == "", NA, d[[col]])
  e <- list(total = as.list(table(v)))
  for (a in arms) e[[a]] <- as.list(table(factor(v[d$TRTP == a], levels = sort(unique(v)))))
  e$missing <- sum(is.na(v))
  baseline[[col]] <- e
}

out <- list(
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  n = list(Control = sum(d$TRTP == "Control"), "Drug X" = sum(d$TRTP == "Drug X")),
  stratified = stratified, unstratified = unstratified, baseline = baseline
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null", pretty = TRUE),
           "fixtures/subgroups/reference.json")
cat("wrote fixtures/subgroups/{adtte,adsl,adae}.csv and reference.json\n")
