# Reference values for the flags and case-mix tests of tests/test_compare.py (R 4.2.2).
# Run from the repository root: Rscript tests/r/benchmark.R
d <- read.csv("tests/data/stats/casemix.csv")
for (g in c("t1", "t6")) {
  own <- d[d$trust == g, ]; rest <- d[d$trust != g, ]
  # means, group vs rest: t = (mean_i - mean_r) / (s_r sqrt(1/n_i + 1/N_r)), df N_r - 1
  fit <- lm(score ~ 1, data = rest)
  se <- sqrt(summary(fit)$sigma^2 / nrow(own) + vcov(fit)[1, 1])
  t <- (mean(own$score) - coef(fit)[1]) / se
  cat(g, "mean p", sprintf("%.12g", 2 * pt(-abs(t), fit$df.residual)), "\n")
  # indirectly standardised mean: E = mean over the group's rows of the rest's grade means
  fit <- lm(score ~ grade, data = rest)
  X <- model.matrix(~ grade, data = transform(own, grade = factor(grade, levels = levels(factor(rest$grade)))))
  cvec <- colMeans(X); E <- sum(cvec * coef(fit))
  se <- sqrt(summary(fit)$sigma^2 / nrow(own) + drop(t(cvec) %*% vcov(fit) %*% cvec))
  t <- (mean(own$score) - E) / se
  cat(g, "std mean E", sprintf("%.12g", E), "p", sprintf("%.12g", 2 * pt(-abs(t), fit$df.residual)), "\n")
  # proportions: one-sided Fisher tails of the group vs the rest
  tab <- matrix(c(sum(own$agree), sum(1 - own$agree), sum(rest$agree), sum(1 - rest$agree)), 2, byrow = TRUE)
  lo <- fisher.test(tab, alternative = "less")$p.value; hi <- fisher.test(tab, alternative = "greater")$p.value
  cat(g, "prop p", sprintf("%.12g", min(1, 2 * min(lo, hi))), "\n")
  # stratified by grade: exact conditional test (convolution of hypergeometrics)
  arr <- table(factor(d$trust == g, levels = c(TRUE, FALSE)), factor(d$agree, levels = c(1, 0)), d$grade)
  lo <- mantelhaen.test(arr, exact = TRUE, alternative = "less")$p.value
  hi <- mantelhaen.test(arr, exact = TRUE, alternative = "greater")$p.value
  cat(g, "std prop p", sprintf("%.12g", min(1, 2 * min(lo, hi))), "\n")
}
# tests/test_compare.py::test_a_small_trust_where_everyone_agrees_is_not_flagged_high
cat(sprintf("%.10g", fisher.test(matrix(c(5, 0, 40, 10), 2, byrow = TRUE), alternative = "greater")$p.value),
    sprintf("%.10g", fisher.test(matrix(c(0, 8, 40, 10), 2, byrow = TRUE), alternative = "less")$p.value), "\n")
