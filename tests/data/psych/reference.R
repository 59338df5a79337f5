# Reference values for tests/test_scoring_psych.py, from R psych (Revelle).
# Run from this folder: Rscript reference.R   (R 4.x, psych 2.2.9 used for the committed values)
suppressPackageStartupMessages(library(psych))
options(digits = 15)
show <- function(label, x) { x <- unlist(x); cat(label, "=", paste(formatC(x, digits = 15, format = "g"), collapse = ", "), "\n") }

ref <- function(file, keys, lo, hi) {
  x <- read.csv(file)
  xk <- x
  for (v in names(keys)[keys < 0]) xk[[v]] <- (lo + hi) - x[[v]]
  cat("==== ", file, "\n")
  a <- psych::alpha(xk, check.keys = FALSE)
  show("raw_alpha", a$total$raw_alpha)
  show("std.alpha", a$total$std.alpha)
  show("average_r", a$total$average_r)
  show("feldt", c(a$feldt$lower.ci, a$feldt$upper.ci))
  show("r.drop", a$item.stats$r.drop)
  show("alpha.drop$raw_alpha", a$alpha.drop$raw_alpha)
  show("item mean", a$item.stats$mean)
  show("item sd", a$item.stats$sd)
  show("item n", a$item.stats$n)
  al <- psych::alpha(xk, check.keys = FALSE, use = "complete.obs")
  show("raw_alpha complete", al$total$raw_alpha)
  show("std.alpha complete", al$total$std.alpha)
  R <- cov2cor(cov(xk, use = "pairwise"))
  om <- suppressWarnings(psych::omega(R, nfactors = 1, n.obs = nrow(x), plot = FALSE))
  show("omega.tot", om$omega.tot)
  show("fa minres loadings", as.vector(psych::fa(R, 1, fm = "minres", n.obs = nrow(x))$loadings))
  key <- list(s = ifelse(keys < 0, paste0("-", names(keys)), names(keys)))
  sc <- psych::scoreItems(key, x, totals = FALSE, min = lo, max = hi, impute = "none")
  show("scoreItems mean scores (first 12)", sc$scores[1:12, 1])
  show("scoreItems mean score sum", sum(sc$scores[, 1], na.rm = TRUE))
  show("scoreItems alpha", sc$alpha[1, 1])
  st <- psych::scoreItems(key, x, totals = TRUE, min = lo, max = hi, impute = "none")
  complete <- complete.cases(x)
  show("scoreItems totals, complete rows (first 12)", st$scores[complete, 1][1:12])
  show("complete rows (first 12, 1-based)", which(complete)[1:12])
}

ref("set_a.csv", c(a1 = 1, a2 = 1, a3 = -1, a4 = 1, a5 = -1, a6 = 1), 1, 5)
ref("set_b.csv", c(b1 = 1, b2 = -1, b3 = 1, b4 = -1, b5 = 1), 1, 7)
x <- read.csv("set_c.csv")
ref_c1 <- x[, 1:5]; write.csv(ref_c1, "/tmp/c1.csv", row.names = FALSE)
ref_c2 <- x[, 6:10]; write.csv(ref_c2, "/tmp/c2.csv", row.names = FALSE)
ref("/tmp/c1.csv", c(c1 = 1, c2 = -1, c3 = 1, c4 = 1, c5 = 1), 1, 5)
ref("/tmp/c2.csv", c(c6 = -1, c7 = 1, c8 = 1, c9 = 1, c10 = -1), 1, 5)
# both scales of set C at once
sc <- psych::scoreItems(list(c_one = c("c1", "-c2", "c3", "c4", "c5"),
                             c_two = c("-c6", "c7", "c8", "c9", "-c10")),
                        x, totals = FALSE, min = 1, max = 5, impute = "none")
cat("==== set_c two scales\n")
show("scoreItems alpha", sc$alpha[1, ])
show("scoreItems av.r", sc$av.r[1, ])
show("scoreItems corrected cor c_one~c_two", sc$corrected[1, 2])
show("scoreItems scores c_two (first 12)", sc$scores[1:12, 2])
