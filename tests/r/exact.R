# Reference values for tests/test_exact.py (R 4.2.2, base stats only).
# Run: Rscript tests/r/exact.R
x <- c(1, 2, 3, 4, 5, 6, 7); y <- c(2, 1, 4, 3, 7, 5, 6)
for (a in c("two.sided", "greater", "less"))
  cat("spearman n=7", a, sprintf("%.15g", cor.test(x, y, method = "spearman", alternative = a)$p.value), "\n")
x9 <- c(3, 1, 4, 1.5, 5, 9, 2, 6, 8); y9 <- c(2, 7, 1, 8, 2.8, 1.8, 2.9, 4.5, 9)
for (a in c("two.sided", "greater", "less"))
  cat("spearman n=9", a, sprintf("%.15g", cor.test(x9, y9, method = "spearman", alternative = a)$p.value), "\n")
x19 <- c(5, 12, 7, 4, 10, 8, 11, 14, 16, 15, 17, 18, 19, 2, 9, 13, 1, 3, 6)
y19 <- c(2, 13, 14, 10, 8, 4, 3, 18, 19, 17, 11, 16, 15, 5, 12, 6, 9, 1, 7)
for (a in c("two.sided", "greater", "less")) {
  r <- cor.test(x19, y19, method = "spearman", alternative = a)
  cat("spearman n=19", a, r$statistic, sprintf("%.15g", r$p.value), "\n")
}
cat("spearman ties", sprintf("%.15g", suppressWarnings(cor.test(c(1, 2, 2, 3, 4, 5, 5, 6), c(2, 1, 3, 3, 5, 4, 6, 7), method = "spearman"))$p.value), "\n")
a <- c(1.1, 2.3, 3.2, 4.8, 5.1); b <- c(0.2, 0.9, 1.4, 2.1, 2.2, 3.0)
for (alt in c("two.sided", "greater", "less")) {
  r <- wilcox.test(a, b, alternative = alt); cat("mann-whitney", alt, r$statistic, sprintf("%.15g", r$p.value), "\n")
}
mx <- c(3.14, 3.11, 3.515, 3.433, 3.862, 2.888, 4.315, 3.589, 3.451)
my <- c(2.882, 3.867, 2.819, 3.143, 2.94, 4.207, 2.596, 3.054, 1.529, 3.633)
cat("mann-whitney 9 vs 10", sprintf("%.15g", wilcox.test(mx, my)$p.value),
    "approx", sprintf("%.15g", wilcox.test(mx, my, exact = FALSE)$p.value), "\n")
p1 <- c(3.1, 4.2, 2.8, 5.0, 3.9, 4.4); p2 <- c(2.2, 3.1, 3.0, 3.7, 3.5, 2.8)
for (alt in c("two.sided", "greater", "less")) {
  r <- wilcox.test(p1, p2, paired = TRUE, alternative = alt); cat("signed-rank", alt, r$statistic, sprintf("%.15g", r$p.value), "\n")
}
ta <- c(2, 3, 3, 4, 4, 5, 1, 2); tb <- c(1, 2, 3, 3, 5, 3, 2, 2)
r <- suppressWarnings(wilcox.test(ta, tb, paired = TRUE)); cat("signed-rank ties", r$statistic, sprintf("%.15g", r$p.value), "\n")
r <- suppressWarnings(wilcox.test(ta, tb)); cat("mann-whitney ties", r$statistic, sprintf("%.15g", r$p.value), "\n")
tabs <- list(
  t1 = matrix(c(8, 2, 5, 5, 1, 9), 3, byrow = TRUE),
  t2 = matrix(c(3, 1, 0, 2, 1, 4, 2, 1, 0, 2, 5, 3), 3, byrow = TRUE),
  t3 = matrix(c(2, 3, 1, 0, 4, 1, 1, 2, 3, 0, 4, 0, 1, 1, 2, 0, 2, 2, 1, 3), 4, byrow = TRUE),
  t4 = matrix(c(8, 2, 3, 7), 2, byrow = TRUE),
  t6 = matrix(c(1, 2, 3, 2, 1, 3, 2, 1, 2, 3, 2, 2, 2, 2, 2, 0, 1, 4, 1, 0), 4, byrow = TRUE))
for (k in names(tabs)) cat("fisher", k, sprintf("%.15g", fisher.test(tabs[[k]])$p.value), "\n")
# A wide 2 x 19 table: R's FEXACT returns 0.251694774071967, which is wrong (its 32-bit path
# counts overflow on wide tables); the Monte Carlo p-value from 2 million tables disagrees:
t5 <- rbind(c(5, 3, 2, 6, 4, 7, 3, 5, 2, 6, 4, 5, 3, 6, 2, 4, 5, 3, 6),
            c(2, 4, 5, 1, 3, 2, 6, 1, 4, 2, 3, 1, 5, 2, 4, 3, 1, 4, 2))
set.seed(1); cat("fisher t5 monte carlo", fisher.test(t5, simulate.p.value = TRUE, B = 2e6)$p.value, "\n")
cat("p.adjust holm", p.adjust(c(0.01, 0.04, 0.03), "holm"), "BY", sprintf("%.15g", p.adjust(c(0.01, 0.02, 0.03, 0.5, 0.04), "BY")), "\n")
