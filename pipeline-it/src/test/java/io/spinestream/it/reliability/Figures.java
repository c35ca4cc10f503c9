package io.spinestream.it.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The figures a reliability run reports (issue 8): faults injected, studies sent, scores received,
 * duplicates, losses, dead letters by reason, peak RSS per service; printed to standard output and kept
 * in {@code pipeline-it/target/reliability/<suite>.txt}. Nothing here asserts: the suites assert on the
 * counts, never on timing.
 */
final class Figures {
  /** Per-study accounting of what came out for what went in. */
  record Accounting(int sent, int scores, Set<String> duplicated, Set<String> lost, Set<String> deadLettered,
      Set<String> unexpected) {
    int duplicates() {
      return duplicated.size();
    }

    int losses() {
      return lost.size();
    }
  }

  /**
   * @param sent StudyInstanceUIDs sent
   * @param scoresPerStudy StudyScores received per study
   * @param deadLettered studies that were dead-lettered (a reason, not a loss)
   */
  static Accounting account(Collection<String> sent, Map<String, Integer> scoresPerStudy, Set<String> deadLettered) {
    Set<String> duplicated = new TreeSet<>();
    Set<String> lost = new TreeSet<>();
    Set<String> letters = new TreeSet<>();
    int scores = 0;
    for (String study : sent) {
      int count = scoresPerStudy.getOrDefault(study, 0);
      scores += count;
      if (count > 1) {
        duplicated.add(study);
      } else if (count == 0) {
        if (deadLettered.contains(study)) {
          letters.add(study);
        } else {
          lost.add(study);
        }
      }
    }
    Set<String> unexpected = new TreeSet<>(scoresPerStudy.keySet());
    unexpected.removeAll(sent);
    return new Accounting(sent.size(), scores, duplicated, lost, letters, unexpected);
  }

  private final String suite;
  private final Map<String, String> lines = new LinkedHashMap<>();
  private final List<String> blocks = new ArrayList<>();

  Figures(String suite) {
    this.suite = suite;
  }

  Figures put(String name, Object value) {
    lines.put(name, String.valueOf(value));
    return this;
  }

  Figures block(String text) {
    blocks.add(text);
    return this;
  }

  Figures accounting(Accounting a, Map<String, Integer> deadLettersByReason) {
    put("studies sent", a.sent());
    put("scores received", a.scores() + (a.unexpected().isEmpty() ? "" : " (+ scores of studies not sent: " + a.unexpected() + ")"));
    put("duplicates", a.duplicates() + (a.duplicated().isEmpty() ? "" : " " + a.duplicated()));
    put("losses", a.losses() + (a.lost().isEmpty() ? "" : " " + a.lost()));
    put("dead-lettered studies (no score, a reason)", a.deadLettered().size());
    put("dead letters by reason", deadLettersByReason.isEmpty() ? "none" : deadLettersByReason.toString());
    return this;
  }

  Figures peakRss(Map<String, Long> peakMib) {
    StringBuilder text = new StringBuilder();
    peakMib.forEach((name, mib) -> text.append(text.isEmpty() ? "" : ", ").append(name).append(' ').append(mib));
    return put("peak RSS per service (MiB)", text);
  }

  String render() {
    StringBuilder out = new StringBuilder("\n===== ").append(suite).append(" =====\n");
    lines.forEach((name, value) -> out.append(String.format("%-44s %s%n", name + ":", value)));
    blocks.forEach(b -> out.append(b).append(b.endsWith("\n") ? "" : "\n"));
    out.append("=====\n");
    return out.toString();
  }

  /** Prints and keeps a copy under target/reliability. */
  void print() {
    String text = render();
    System.out.print(text);
    System.out.flush();
    try {
      Path dir = Files.createDirectories(Path.of("target", "reliability"));
      Files.writeString(dir.resolve(suite.replaceAll("[^a-zA-Z0-9-]+", "-").replaceAll("-+$", "") + ".txt"), text);
    } catch (IOException e) {
      System.err.println("could not keep the figures under target/reliability: " + e);
    }
  }
}
