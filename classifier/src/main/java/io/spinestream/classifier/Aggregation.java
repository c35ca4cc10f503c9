package io.spinestream.classifier;

import java.util.Locale;

/**
 * How patient_overall (any cervical fracture) follows from the seven vertebra probabilities. The default,
 * NOISY_OR, was chosen by the RSNA weighted log loss on held-out phantoms (models/results/quality.md: 0.1691
 * against 0.1705 for MAX on 60 studies, 0.1152 against 0.1155 on 40): the shipped classifier is calibrated per
 * vertebra and the phantoms' fractures are independent, which is noisy-or's assumption.
 */
public enum Aggregation {
  /** The most likely vertebra: a study is as suspicious as its worst vertebra. */
  MAX,
  /** 1 - prod(1 - p): the vertebrae as independent chances of a fracture. */
  NOISY_OR;

  public double apply(double[] probabilities) {
    if (this == MAX) {
      double max = 0;
      for (double p : probabilities) {
        max = Math.max(max, p);
      }
      return max;
    }
    double none = 1;
    for (double p : probabilities) {
      none *= 1 - p;
    }
    return 1 - none;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static Aggregation parse(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "max" -> MAX;
      case "noisy-or", "noisy_or" -> NOISY_OR;
      default -> throw new IllegalArgumentException("aggregation must be max or noisy-or, got '" + value + "'");
    };
  }
}
