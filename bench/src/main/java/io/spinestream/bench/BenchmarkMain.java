package io.spinestream.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Benchmarks. Each prints its numbers as ratios against a baseline measured in the same run, and appends
 * them, with the command that reproduces them, to a results file under {@code bench/results}.
 *
 * <pre>
 *   bench producer [--slices N] [--threads N] [--out DIR]   DICOM ingest into Kafka vs decode only
 *   bench models --model PATH.pt ...                         DJL vs PyTorch on the same model
 *   bench segmenter [--studies 3] [service options]          slices/s through the service vs the bare model
 *   bench classifier [--studies 8] [service options]         vertebrae/s through the service vs the bare model
 *   bench e2e [--models shipped|full] [--studies 4] ...      the whole pipeline as deployed: latency, studies/h, RSS
 *   bench summary --since ISO-8601                          bench/results/SUMMARY.md from the runs since then
 * </pre>
 *
 * Needs a running stack ({@code ./spine bench} starts the development stack).
 */
public final class BenchmarkMain {
  private BenchmarkMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      usage();
    }
    List<String> rest = Arrays.asList(args).subList(1, args.length);
    switch (args[0]) {
      case "producer" -> IngestBenchmark.run(Options.parse(rest));
      case "models" -> ModelBenchmark.run(rest);
      case "segmenter" -> SegmenterBenchmark.run(rest);
      case "classifier" -> ClassifierBenchmark.run(rest);
      case "e2e" -> E2eBenchmark.run(rest);
      case "summary" -> BenchSummary.run(rest);
      default -> usage();
    }
  }

  private static void usage() {
    System.err.println("usage: bench producer [--slices N] [--threads N] [--work DIR] [--results FILE]");
    System.err.println("       bench models --model PATH.pt --card PATH.json [--threads T] [--batch B] [--iterations K]"
        + " [--warmup N] [--results FILE]");
    System.err.println("       bench segmenter|classifier [--studies N] [--matrix 256] [--seed 31] [--threads T]"
        + " [--workers 1] [--batch 4] [--max-delay-ms 5] [--repeat 3] [--partitions 6] [--card PATH.json]"
        + " [--work DIR] [--results FILE] [--note TEXT]");
    System.err.println("       bench e2e [--models shipped|full] [--studies 4] [--segmenter-card PATH] [--classifier-card PATH]"
        + " [--matrix 256] [--seed 7001] [--interval-ms 0] [--partitions 6] [--timeout-s 1800] [--jvm \"-Xmx1g\"]"
        + " [--set service.key=value] [--results FILE]");
    System.err.println("       bench summary --since ISO-8601 [--results-dir bench/results] [--out FILE] [--failed TEXT]");
    System.exit(2);
  }

  /** Command-line options shared by the benchmarks. */
  record Options(int slices, int threads, Path work, Path results, String bootstrap, String registry) {
    static Options parse(List<String> args) {
      int slices = 200;
      int threads = Runtime.getRuntime().availableProcessors();
      Path work = Path.of("build/bench");
      Path results = Path.of("bench/results/producer-ingest.md");
      for (int i = 0; i < args.size(); i++) {
        String value = i + 1 < args.size() ? args.get(i + 1) : null;
        switch (args.get(i)) {
          case "--slices" -> slices = Integer.parseInt(value);
          case "--threads" -> threads = Integer.parseInt(value);
          case "--work" -> work = Path.of(value);
          case "--results" -> results = Path.of(value);
          default -> throw new IllegalArgumentException("unknown option " + args.get(i));
        }
        i++;
      }
      String bootstrap = System.getenv().getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
      String registry = System.getenv().getOrDefault("REGISTRY_URL", "http://127.0.0.1:8081/apis/ccompat/v7");
      return new Options(slices, threads, work, results, bootstrap, registry);
    }
  }
}
