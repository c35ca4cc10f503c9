package io.spinestream.bench;

import java.util.Map;
import java.util.TreeMap;

/** The Prometheus text format, read into sample name (labels dropped) to the sum over its series. */
final class PrometheusText {
  private PrometheusText() {}

  static Map<String, Double> parse(String text) {
    Map<String, Double> sums = new TreeMap<>();
    if (text == null) {
      return sums;
    }
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      int brace = line.indexOf('{');
      String name = line.substring(0, brace >= 0 && brace < space ? brace : space).trim();
      try {
        double value = Double.parseDouble(line.substring(space + 1).trim());
        if (!Double.isNaN(value)) {
          sums.merge(name, value, Double::sum);
        }
      } catch (NumberFormatException e) {
        // not a sample line
      }
    }
    return sums;
  }
}
