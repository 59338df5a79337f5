# Reference values for tests/test_mixed.py (R 4.2.2, lme4 1.1-31, lmerTest 3.1-3).
# Run from the repository root: Rscript tests/r/mixed.R
suppressMessages(library(lmerTest))
d <- read.csv("tests/data/stats/mixed.csv")
m <- lmer(y ~ x + grade + (1 | g), data = d)  # REML, Satterthwaite df
print(summary(m)$coefficients, digits = 12)
print(as.data.frame(VarCorr(m))$vcov, digits = 12)
print(logLik(m), digits = 12)
# a trust-level covariate only, in 6 of the trusts (unbalanced): few df
d6 <- d[d$g %in% c("t00", "t01", "t02", "t09", "t10", "t11"), ]
m6 <- lmer(y ~ x + (1 | g), data = d6)
print(summary(m6)$coefficients, digits = 12)
# no between-trust variance left: a singular fit (tau2 = 0)
d0 <- transform(d, y0 = round(3 + 0.2 * contact + sin(seq_along(y)) * 0.7, 3))
m0 <- lmer(y0 ~ contact + (1 | g), data = d0)
print(summary(m0)$coefficients, digits = 12); print(as.data.frame(VarCorr(m0))$vcov, digits = 12)
# random-intercept logistic models: Laplace (nAGQ = 1, the default) and 15-point adaptive
# Gauss-Hermite quadrature; vcov from the finite-difference Hessian (use.hessian = TRUE)
for (q in c(1, 15)) {
  g1 <- glmer(wb ~ contact + grade + (1 | g), data = d, family = binomial, nAGQ = q)
  print(summary(g1)$coefficients, digits = 12)
  print(getME(g1, "theta"), digits = 12); print(logLik(g1), digits = 12)
}
