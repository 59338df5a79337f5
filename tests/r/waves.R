# Reference values for tests/test_compare.py::test_compare_waves_uses_everyone_with_partial_overlap
# (R 4.2.2). Partover.test is from the CRAN package Partiallyoverlapping 2.0 (B. Derrick),
# R/Partiallyoverlapping.R, sourced: source("Partiallyoverlapping.R")
source(Sys.getenv("PARTOVER", "Partiallyoverlapping.R"))
# after (sample 1) vs before (sample 2): x1 after only, x2 before only, x3/x4 the pairs
x1 <- c(4.25, 3.5, 4, 3.75)            # ids a07-a10, after only
x2 <- c(3, 2.75, 3.25)                 # ids b07-b09, before only
x3 <- c(3.5, 4, 3.75, 3, 4.5, 3.25)    # ids p1-p6 after
x4 <- c(3, 3.5, 3.25, 3, 4, 2.5)       # ids p1-p6 before
r <- Partover.test(x1, x2, x3, x4)
cat(sprintf("%.12g", unlist(r)), "\n")
# everyone paired: the exact signed-rank test
print(wilcox.test(c(3.2, 4.1, 3.95, 3.4, 4.9, 3.6), c(3, 3.5, 3.25, 3, 4, 2.5), paired = TRUE)$p.value, digits = 12)
# tests/test_compare.py::test_compare_composition_counts_every_row
print(fisher.test(matrix(c(4, 6, 0, 7, 2, 1), 2, byrow = TRUE))$p.value, digits = 12)
