# Reference values for tests/test_activities.py::test_uptake_model_matches_glmer (R 4.2.2,
# lme4 1.1-31). Run from the repository root: Rscript tests/r/uptake.R
suppressMessages(library(lme4))
d <- read.csv("tests/data/stats/uptake.csv", colClasses = "character")
# rows left out: activities unanswered (blank; the list has an exclusive "none"), contact not
# answered, grade "prefer not to say" (code 9)
d <- d[d$activities != "" & d$mentor_contact != "" & d$grade != "9", ]
acts <- strsplit(d$activities, " ")
d$outcome <- sapply(acts, function(a) as.integer(any(a %in% c("qi", "committee", "shadowing"))))
d$contact <- as.integer(d$mentor_contact == "1")
cat("rows used", nrow(d), "\n")
m <- glmer(outcome ~ contact + grade + (1 | trust), data = d, family = binomial)
print(summary(m)$coefficients, digits = 12); print(getME(m, "theta"), digits = 12)
print(logLik(m), digits = 12)
# Wilson interval of a share (activity_origins, most_helpful_activities)
print(prop.test(2, 3, correct = FALSE)$conf.int, digits = 12)
