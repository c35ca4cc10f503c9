package io.spinestream.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bench summary}: one table of every benchmark's headline numbers against the targets of
 * ARCHITECTURE section 7, read from the sections the benchmarks appended to their results files since a given
 * instant (the start of {@code ./spine bench all}), written to {@code bench/results/SUMMARY.md}. The per-benchmark
 * files stay the record of each run; this file is overwritten by every {@code bench all}.
 *
 * <pre>
 *   bench summary --since 2026-12-03T12:00:00Z [--results-dir bench/results] [--out bench/results/SUMMARY.md]
 *                 [--failed "name: reason"]... [--command "./spine bench all"]
 * </pre>
 *
 * A results file whose format it cannot read fails the summary with the file and the line it expected,
 * rather than leaving a row out.
 */
final class BenchSummary {
  private static final Pattern SECTION = Pattern.compile("^### (\\S+) — (.*)$");
  private static final Pattern LOAD = Pattern.compile("load average before ([0-9.]+ [0-9.]+ [0-9.]+), after ([0-9.]+ "
      + "[0-9.]+ [0-9.]+)");
  private static final Pattern COMMAND = Pattern.compile("Command: `([^`]+)`");

  private BenchSummary() {}

  /** One row of the summary. */
  record Row(String metric, String value, String target, String met, String command, Instant date, String load) {}

  /** One section of a results file: its timestamp, heading, body and the load it reports. */
  record Section(Instant date, String heading, List<String> lines, String load) {
    /** A note a benchmark put in its heading (e.g. an experiment), or empty. */
    String note() {
      return heading.contains("EXPERIMENT") ? " [experiment: " + heading.substring(heading.indexOf("EXPERIMENT")) + "]"
          : "";
    }

    String command() {
      for (String line : lines) {
        Matcher m = COMMAND.matcher(line);
        if (m.find()) {
          return spine(m.group(1));
        }
      }
      return null;
    }

    /** The cells of the first table row whose first cell starts with {@code label}, or null. */
    String[] row(String label) {
      for (String line : lines) {
        if (line.startsWith("| " + label)) {
          String[] cells = line.substring(1, line.length() - (line.endsWith("|") ? 1 : 0)).split("\\|");
          for (int i = 0; i < cells.length; i++) {
            cells[i] = cells[i].trim();
          }
          return cells;
        }
      }
      return null;
    }

    /** A summary row measured in this section: its command, date and load. */
    Row summaryRow(String metric, String value, String target, String met) {
      return new Row(metric, value, target, met, command(), date, load);
    }

    String[] requireRow(Path file, String label) {
      String[] cells = row(label);
      if (cells == null) {
        throw new IllegalStateException(file + ", section " + date + ": no table row starting with '" + label
            + "' (has the benchmark's format changed?)");
      }
      return cells;
    }
  }

  static void run(List<String> args) throws IOException {
    Instant since = null;
    Path dir = Path.of("bench/results");
    Path out = null;
    List<String> failed = new ArrayList<>();
    String command = "./spine bench all";
    for (int i = 0; i < args.size(); i += 2) {
      if (i + 1 >= args.size()) {
        throw new IllegalArgumentException("option " + args.get(i) + " needs a value");
      }
      String value = args.get(i + 1);
      switch (args.get(i)) {
        case "--since" -> since = Instant.parse(value);
        case "--results-dir" -> dir = Path.of(value);
        case "--out" -> out = Path.of(value);
        case "--failed" -> failed.add(value);
        case "--command" -> command = value;
        default -> throw new IllegalArgumentException("unknown option " + args.get(i));
      }
    }
    if (since == null) {
      throw new IllegalArgumentException("--since ISO-8601 is required (the start of the benchmark run)");
    }
    out = out == null ? dir.resolve("SUMMARY.md") : out;
    List<Row> rows = new ArrayList<>();
    rows.addAll(producer(dir.resolve("producer-ingest.md"), since));
    rows.addAll(models(dir.resolve("models.md"), since));
    rows.addAll(segmenter(dir.resolve("segmenter-service.md"), since));
    rows.addAll(classifier(dir.resolve("classifier-service.md"), since));
    rows.addAll(e2e(dir.resolve("e2e.md"), since));
    String text = render(rows, since, Instant.now(), failed, command);
    Files.writeString(out, text);
    System.out.print(text);
    System.err.println("wrote " + out);
  }

  static List<Section> sections(Path file, Instant since) throws IOException {
    List<Section> sections = new ArrayList<>();
    if (!Files.exists(file)) {
      return sections;
    }
    Section current = null;
    for (String line : Files.readAllLines(file)) {
      Matcher m = SECTION.matcher(line);
      if (m.matches()) {
        Instant date;
        try {
          date = Instant.parse(m.group(1));
        } catch (DateTimeParseException e) {
          throw new IllegalStateException(file + ": section heading without an ISO-8601 instant: " + line);
        }
        Matcher load = LOAD.matcher(m.group(2));
        current = new Section(date, m.group(2), new ArrayList<>(), load.find()
            ? "before " + load.group(1) + ", after " + load.group(2) : "not recorded");
        if (!date.isBefore(since)) {
          sections.add(current);
        }
      } else if (current != null) {
        current.lines().add(line);
      }
    }
    return sections;
  }

  static List<Row> producer(Path file, Instant since) throws IOException {
    List<Row> rows = new ArrayList<>();
    for (Section s : sections(file, since)) {
      for (String encoding : List.of("JPEG lossless SV1 (dcmcjpeg)", "explicit VR little endian")) {
        boolean target = encoding.startsWith("JPEG");
        String[] decode = s.requireRow(file, encoding + " | decode only");
        for (String path : List.of("files -> Kafka (zstd", "C-STORE dcmsend -> Kafka")) {
          String[] row = s.requireRow(file, encoding + " | " + path);
          double ratio = Double.parseDouble(row[5]);
          rows.add(s.summaryRow(String.format("producer ingest, %s, %s / decode only", encoding.startsWith("JPEG")
                  ? "JPEG lossless" : "uncompressed", path.startsWith("files") ? "files -> Kafka" : "C-STORE -> Kafka"),
              String.format(Locale.ROOT, "%.2fx (%s vs %s slices/s)", ratio, row[4], decode[4]),
              target ? ">= 0.8x" : "none (reference: decoding is a memory copy)",
              target ? met(ratio >= 0.8) : "-"));
        }
      }
    }
    return rows;
  }

  static List<Row> models(Path file, Instant since) throws IOException {
    List<Row> rows = new ArrayList<>();
    for (Section s : sections(file, since)) {
      for (String line : s.lines()) {
        if (!line.startsWith("| ") || line.startsWith("| model") || line.startsWith("|---")) {
          continue;
        }
        String[] cells = line.substring(1).split("\\|");
        if (cells.length < 10) {
          throw new IllegalStateException(file + ", section " + s.date() + ": unexpected row " + line);
        }
        double ratio = Double.parseDouble(cells[7].replace("*", "").trim());
        String command = cells[9].trim().replace("`", "");
        rows.add(new Row("DJL / PyTorch time per forward, " + cells[0].trim() + ", batch " + cells[2].trim(),
            String.format(Locale.ROOT, "%.2fx (%s vs %s ms)", ratio, cells[5].trim(), cells[6].trim()), "<= 1.0x",
            met(ratio <= 1.0), spine(command), s.date(), s.load()));
      }
    }
    return rows;
  }

  static List<Row> segmenter(Path file, Instant since) throws IOException {
    List<Row> rows = new ArrayList<>();
    for (Section s : sections(file, since)) {
      String model = model(s);
      String[] service = s.requireRow(file, "segmenter service");
      for (String bare : List.of("bare model only", "bare model + preprocessing")) {
        String[] row = s.requireRow(file, bare);
        double ratio = Double.parseDouble(row[4].replace("*", ""));
        rows.add(s.summaryRow("segmenter service / " + bare + " (slices/s), " + model + s.note(),
            String.format(Locale.ROOT, "%.2fx (%s vs %s slices/s)", ratio, rate(service), rate(row)), ">= 0.9x",
            met(ratio >= 0.9)));
      }
    }
    return rows;
  }

  static List<Row> classifier(Path file, Instant since) throws IOException {
    List<Row> rows = new ArrayList<>();
    for (Section s : sections(file, since)) {
      String model = model(s);
      String[] bare = s.requireRow(file, "bare model only");
      for (String path : List.of("all input on the topics", "crops after the slices")) {
        String[] row = s.requireRow(file, path);
        String[] service = s.requireRow(file, path.startsWith("all") ? "classifier service, all input"
            : "classifier service, crops published");
        double ratio = Double.parseDouble(row[1].replace("*", ""));
        rows.add(s.summaryRow("classifier service (" + path + ") / bare model only (vertebrae/s), " + model + s.note(),
            String.format(Locale.ROOT, "%.2fx (%s vs %s vertebrae/s)", ratio, rate(service), rate(bare)), ">= 0.9x",
            met(ratio >= 0.9)));
      }
    }
    return rows;
  }

  static List<Row> e2e(Path file, Instant since) throws IOException {
    List<Row> rows = new ArrayList<>();
    for (Section s : sections(file, since)) {
      String models = s.heading().replaceFirst(" models,.*", "") + " models";
      String reported = "reported per model size";
      String[] p50 = s.requireRow(file, "latency, last slice -> StudyScore, p50");
      String[] p95 = s.requireRow(file, "latency, last slice -> StudyScore, p95");
      String[] wait = s.requireRow(file, "of which last slice -> series complete");
      String[] stages = s.requireRow(file, "of which series complete -> StudyScore");
      String[] throughput = s.requireRow(file, "throughput, first slice received");
      String[] scores = s.requireRow(file, "StudyScores per study");
      String[] dead = s.requireRow(file, "dead letters");
      rows.add(s.summaryRow("end to end, last slice -> StudyScore p50 / p95, " + models, p50[1] + " / " + p95[1]
          + " (of which the producer's 10 s series inactivity wait: " + wait[1] + "; stages " + stages[1] + ")",
          reported, "reported"));
      rows.add(s.summaryRow("end to end throughput, " + models, throughput[1], reported, "reported"));
      rows.add(s.summaryRow("end to end: StudyScores per study, dead letters, " + models, scores[1] + ", " + dead[1],
          "exactly 1, 0", met(scores[1].equals("exactly 1") && dead[1].equals("0"))));
      for (String service : E2eBenchmark.SERVICES) {
        String[] rss = s.requireRow(file, service + " |");
        rows.add(s.summaryRow("RSS of the " + service + " with the studies in flight, " + models,
            String.format("steady %s MiB, max %s MiB, peak (VmHWM) %s MiB", rss[2], rss[3], rss[4]),
            "bounded and reported", "reported"));
      }
    }
    return rows;
  }

  /** Items per second of a table row "| path | items | seconds | ... |", to three significant digits. */
  private static String rate(String[] row) {
    double perSecond = Double.parseDouble(row[1]) / Double.parseDouble(row[2]);
    return new java.math.BigDecimal(perSecond).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
  }

  /** "name version" of the model a service benchmark ran, from its Command line. */
  private static String model(Section s) {
    for (String line : s.lines()) {
      Matcher m = Pattern.compile("Model (\\S+ \\S+) \\(").matcher(line);
      if (m.find()) {
        return m.group(1);
      }
    }
    return "model not named";
  }

  private static String met(boolean met) {
    return met ? "yes" : "**no**";
  }

  private static String spine(String command) {
    return command.startsWith("./spine ") ? command : "./spine " + command;
  }

  static String render(List<Row> rows, Instant since, Instant until, List<String> failed, String command) {
    StringBuilder out = new StringBuilder();
    out.append("# Benchmark summary\n\n");
    out.append(String.format("`%s`, %s to %s (%d min), %d cores, Java %s, load average at the end %s. Each row is "
            + "read from the section its benchmark appended to its own results file in this run (`bench/results/*.md`, "
            + "which keep every run); the targets are those of ARCHITECTURE section 7. The machine is shared with "
            + "other work, so the load average of each measurement is given with it.%n%n", command, since, until,
        Duration.between(since, until).toMinutes(), Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"), ServiceBench.loadAverage()));
    if (!failed.isEmpty()) {
      out.append("**Benchmarks that failed in this run** (no numbers below): ").append(String.join("; ", failed))
          .append("\n\n");
    }
    out.append("| metric | value | target | met | command | date | load average |\n|---|---|---|---|---|---|---|\n");
    for (Row row : rows) {
      out.append(String.format("| %s | %s | %s | %s | `%s` | %s | %s |%n", row.metric(), row.value(), row.target(),
          row.met(), row.command() == null ? "?" : row.command(), row.date().toString().replaceFirst("\\.\\d+Z$", "Z"),
          row.load()));
    }
    return out.toString();
  }
}
