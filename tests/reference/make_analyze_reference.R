#!/usr/bin/env Rscript
# Writes fixtures/analyze/adtte_small.csv, adae_small.csv (the input) and reference.json (R's
# analysis of it), which tests/test_analyze_reference.py compares `survtrial analyze` against.
# Run from this folder:  Rscript make_analyze_reference.R
# Needs r-cran-survival, r-cran-cmprsk, r-cran-jsonlite (versions are recorded in the JSON) and
# r-cran-haven for the XPT and SAS7BDAT copies of the ADTTE.
#
# The data: an ADaM-style ADTTE with 2 parameters (DFS, OS) for 240 subjects, two arms
# ("Control" first, then "Drug X"), two strata, integer days (so tied times), three causes of
# a DFS event in EVNTDESC, and an ADAE with three terms. The analysis (DFS only):
#   survfit(Surv(AVAL, 1 - CNSR) ~ TRTP, conf.type = "log-log") by arm and stratum x arm:
#     survival, std.err, limits at 1 year = 365.25 days; median and its limits;
#     n.risk at 0, 1, 2 years; rmean and se(rmean) at tau = 600 days
#   survdiff(Surv ~ TRTP + strata(STRATUM)): chisq, observed, expected, var
#   coxph(Surv ~ drug + strata(STRATUM)) and coxph per stratum (Efron): coef, se, HR, CI, p
#   cmprsk::cuminc(AVAL, cause, TRTP, strata = STRATUM): Gray's tests; timepoints at 365.25
#   AE: Newcombe hybrid score interval of p2 - p1 from the Wilson intervals of prop.test
options(digits = 17, warn = 1)
suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
  library(jsonlite)
})
dir.create("fixtures/analyze", showWarnings = FALSE, recursive = TRUE)

set.seed(20240607)
n <- 240
arm <- rep(c("Control", "Drug X"), length.out = n)
stratum <- sample(c("Low risk", "High risk"), n, replace = TRUE, prob = c(0.6, 0.4))
rate <- (1 / 900) * ifelse(arm == "Drug X", 0.6, 1) * ifelse(stratum == "High risk", 1.8, 1)
ev_t <- ceiling(rexp(n, rate))
cens <- ceiling(runif(n, 200, 1100))
dfs <- pmin(ev_t, cens)
dfs_event <- as.integer(ev_t <= cens)
causes <- c("Relapse", "Death in remission", "Second cancer")
cause <- ifelse(dfs_event == 1, sample(causes, n, replace = TRUE, prob = c(0.6, 0.25, 0.15)), "")
death_t <- ifelse(dfs_event == 1, dfs + ceiling(rexp(n, 1 / 400)), ceiling(rexp(n, 1 / 3000)))
os <- pmin(death_t, cens)
os_event <- as.integer(death_t <= cens)
usubjid <- sprintf("STUDY-%04d", seq_len(n))
mk <- function(param, aval, event, desc) {
  data.frame(STUDYID = "STUDY", USUBJID = usubjid, TRTP = arm, STRATUM = stratum,
             PARAMCD = param, AVAL = aval, AVALU = "DAYS", CNSR = 1L - event,
             EVNTDESC = desc, stringsAsFactors = FALSE)
}
adtte <- rbind(mk("DFS", dfs, dfs_event, cause),
               mk("OS", os, os_event, ifelse(os_event == 1, "Death", "")))
write.csv(adtte, "fixtures/analyze/adtte_small.csv", row.names = FALSE, na = "")
# the same data as SAS files, for the reader tests. Both are written by haven, i.e. by the
# ReadStat library that pyreadstat also uses: not by SAS itself.
if (requireNamespace("haven", quietly = TRUE)) {
  haven::write_xpt(adtte, "fixtures/analyze/adtte_small.xpt", version = 5, name = "ADTTE")
  suppressWarnings(haven::write_sas(adtte, "fixtures/analyze/adtte_small.sas7bdat"))
}

terms <- c("Neutropenia", "Infection", "Rash")
p_ae <- list(Control = c(0.30, 0.15, 0.05), "Drug X" = c(0.25, 0.22, 0.12))
ae_rows <- list()
for (i in seq_len(n)) for (k in seq_along(terms)) {
  if (runif(1) < p_ae[[arm[i]]][k]) {
    reps <- 1 + rbinom(1, 1, 0.3)  # some subjects have the event twice
    for (r in seq_len(reps)) ae_rows[[length(ae_rows) + 1]] <-
      data.frame(USUBJID = usubjid[i], AEDECOD = terms[k], stringsAsFactors = FALSE)
  }
}
adae <- do.call(rbind, ae_rows)
write.csv(adae, "fixtures/analyze/adae_small.csv", row.names = FALSE)

d <- adtte[adtte$PARAMCD == "DFS", ]
d$status <- 1 - d$CNSR
d$drug <- as.integer(d$TRTP == "Drug X")
arms <- c("Control", "Drug X")
strata_levels <- sort(unique(d$STRATUM))
t_ms <- 365.25
tau <- 600
grid <- c(0, 1, 2) * 365.25

km_entry <- function(sub) {
  fit <- survfit(Surv(AVAL, status) ~ 1, data = sub, conf.type = "log-log")
  s <- summary(fit, times = t_ms, extend = TRUE)
  tab <- summary(fit, rmean = tau)$table
  nr <- summary(fit, times = grid, extend = TRUE)$n.risk
  list(n = nrow(sub), events = sum(sub$status), survival = s$surv, std_err = s$std.err,
       ci = c(s$lower, s$upper), median = unname(tab["median"]),
       median_ci = unname(c(tab["0.95LCL"], tab["0.95UCL"])), n_at_risk = nr,
       rmean = unname(tab["rmean"]), se_rmean = unname(tab["se(rmean)"]))
}
km <- list()
for (a in arms) km[[a]] <- km_entry(d[d$TRTP == a, ])
km_sa <- list()
for (st in strata_levels) {
  km_sa[[st]] <- list()
  for (a in arms) km_sa[[st]][[a]] <- km_entry(d[d$TRTP == a & d$STRATUM == st, ])
}

lr <- survdiff(Surv(AVAL, status) ~ TRTP + strata(STRATUM), data = d)
logrank <- list(chisq = lr$chisq, observed = as.numeric(rowSums(lr$obs)),
                expected = as.numeric(rowSums(lr$exp)), var = lr$var[2, 2],
                pvalue = pchisq(lr$chisq, 1, lower.tail = FALSE),
                z = (sum(lr$obs[2, ]) - sum(lr$exp[2, ])) / sqrt(lr$var[2, 2]))

cox_entry <- function(fit) {
  s <- summary(fit)
  list(coef = unname(coef(fit)), std_err = unname(sqrt(diag(vcov(fit)))),
       hazard_ratio = unname(exp(coef(fit))),
       ci = unname(c(s$conf.int[1, "lower .95"], s$conf.int[1, "upper .95"])),
       pvalue = unname(s$coefficients[1, "Pr(>|z|)"]))
}
cox <- list(overall = cox_entry(coxph(Surv(AVAL, status) ~ drug + strata(STRATUM), data = d)))
cox$by_stratum <- list()
for (st in strata_levels) {
  cox$by_stratum[[st]] <- cox_entry(coxph(Surv(AVAL, status) ~ drug, data = d[d$STRATUM == st, ]))
}

z975 <- qnorm(0.975)
rd <- km[["Drug X"]]$rmean - km[["Control"]]$rmean
rd_se <- sqrt(km[["Drug X"]]$se_rmean^2 + km[["Control"]]$se_rmean^2)
rmst <- list(tau = tau, difference = rd, std_err = rd_se, ci = rd + c(-1, 1) * z975 * rd_se,
             pvalue = 2 * pnorm(-abs(rd / rd_se)))
md <- km[["Drug X"]]$survival - km[["Control"]]$survival
md_se <- sqrt(km[["Drug X"]]$std_err^2 + km[["Control"]]$std_err^2)
milestone <- list(time = t_ms, difference = md, std_err = md_se,
                  ci = md + c(-1, 1) * z975 * md_se, pvalue = 2 * pnorm(-abs(md / md_se)))

cause_labels <- sort(unique(d$EVNTDESC[d$status == 1]))
ccode <- ifelse(d$status == 1, match(d$EVNTDESC, cause_labels), 0L)
group <- factor(d$TRTP, levels = arms)
ci_fit <- cuminc(d$AVAL, ccode, group, strata = d$STRATUM)
tp <- timepoints(ci_fit[names(ci_fit) != "Tests"], t_ms)
cif <- list()
for (k in seq_along(cause_labels)) {
  e <- list(gray_statistic = ci_fit$Tests[as.character(k), "stat"],
            gray_pvalue = ci_fit$Tests[as.character(k), "pv"])
  for (a in arms) {
    key <- paste(a, k)
    e[[a]] <- list(incidence = tp$est[key, 1], variance = tp$var[key, 1])
  }
  cif[[cause_labels[k]]] <- e
}

nn <- c(Control = sum(d$TRTP == "Control"), "Drug X" = sum(d$TRTP == "Drug X"))
arm_of <- setNames(d$TRTP, d$USUBJID)
ae_u <- unique(adae)
ae <- list()
for (term in sort(unique(ae_u$AEDECOD))) {
  subj <- ae_u$USUBJID[ae_u$AEDECOD == term]
  e1 <- sum(arm_of[subj] == "Control")
  e2 <- sum(arm_of[subj] == "Drug X")
  w1 <- prop.test(e1, nn[["Control"]], correct = FALSE)$conf.int
  w2 <- prop.test(e2, nn[["Drug X"]], correct = FALSE)$conf.int
  p1 <- e1 / nn[["Control"]]
  p2 <- e2 / nn[["Drug X"]]
  ae[[term]] <- list(
    Control = e1, "Drug X" = e2, risk_difference = p2 - p1,
    ci = c(p2 - p1 - sqrt((p2 - w2[1])^2 + (w1[2] - p1)^2),
           p2 - p1 + sqrt((w2[2] - p2)^2 + (p1 - w1[1])^2)))
}

out <- list(
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  cmprsk_version = as.character(packageVersion("cmprsk")),
  milestone_days = t_ms, tau_days = tau, n = as.list(nn),
  excluded_rows = sum(adtte$PARAMCD != "DFS"),
  kaplan_meier = list(by_arm = km, by_stratum_and_arm = km_sa),
  logrank = logrank, cox = cox, rmst = rmst, milestone = milestone,
  cumulative_incidence = cif, adverse_events = ae
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null", pretty = TRUE),
           "fixtures/analyze/reference.json")
cat("wrote fixtures/analyze/{adtte_small.csv/.xpt/.sas7bdat, adae_small.csv, reference.json}\n")
