package io.spinestream.bench;

import io.spinestream.common.inference.ModelCard;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The results section of one {@code bench e2e} run (Markdown, appended to {@code bench/results/e2e.md}). */
record E2eReport(E2eBenchmark.Options options, ModelCard segmenter, ModelCard classifier,
    E2eBenchmark.CropContract contract, List<E2eBenchmark.StudyResult> studies, Map<String, RssSampler.Summary> memory,
    Map<String, Map<String, Double>> metrics, long duplicateScores, long deadLetters, double startSeconds,
    String loadBefore) {

  static final String HEADER = """
      # End-to-end benchmark: latency, throughput and memory of the whole pipeline

      Reproduce: the command of each section, from the repository root (`./spine bench e2e ...`; it starts the \
      development stack if needed). The producer (DICOM C-STORE receiver), segmenter, cropper and classifier run \
      as separate JVMs started from their jars exactly as `./spine run` starts them (`java -Xmx1g -jar ...`, default \
      settings), on a fresh topic set. Phantom studies are sent over C-STORE with dcmtk's `storescu`, one \
      association per study, one study after another, as a scanner would. Every number comes from the StudyScores \
      (receive time of the study's first and last slice, scoring time), the series manifests (completion time) \
      and `/proc/<pid>/status` of each service (VmRSS sampled every 250 ms, VmHWM as the peak). Latency is from \
      the last slice received to the StudyScore; it includes the producer's series inactivity wait (a C-STORE \
      feed has no end-of-series signal), shown separately. Percentiles are nearest-rank over the studies of the \
      run (with few studies p95 is the slowest study). Throughput is studies per hour from the first slice \
      received to the last score. The machine is shared: the load average before and after each run is given.
      """;

  String section(String loadAfter) {
    StringBuilder out = new StringBuilder();
    boolean random = options.models().equals("full");
    out.append(String.format("%n### %s — %s models, %d cores, Java %s, load average before %s, after %s%n%n",
        Instant.now(), options.models(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        loadBefore, loadAfter));
    int slices = studies.stream().mapToInt(E2eBenchmark.StudyResult::slices).sum();
    out.append(String.format("Command: `%s`. Segmenter %s (`%s`, input %dx%d), classifier %s (`%s`, crops of %d masks"
        + ", min pixels %d, margin %s)%s. %d phantom studies (matrix %d, seed %d, %d slices in all) sent over C-STORE "
        + "one after another%s; services `%s`, %d partitions, the services' defaults otherwise (series inactivity "
        + "timeout 10 s, exactly-once v2)%s. All four services were healthy %.0f s after they were started (not in "
        + "the numbers).%n%n",
        String.join(" ", options.command()), segmenter.id(), options.segmenterCard(), segmenter.itemInputShape()[1],
        segmenter.itemInputShape()[2], classifier.id(), options.classifierCard(), contract.maskSize(),
        contract.minPixels(), contract.marginFraction(),
        random ? "; **random weights** (full-size architectures exported by `models/spinestream_models/export.py"
            + " --full`; the segmenter is `fullcost.py`'s stand-in, which computes the full U-Net on every input and"
            + " gives the shipped segmenter's masks, so that the cropper and the classifier get real crops): speed"
            + " and memory only, the scores mean nothing" : "",
        studies.size(), options.matrix(), options.seed(), slices,
        options.intervalMs() > 0 ? ", one every " + options.intervalMs() + " ms" : "",
        String.join(" ", options.jvm()), options.partitions(),
        options.settings().isEmpty() ? "" : "; plus " + String.join(" ", options.settings()), startSeconds));

    double[] latency = studies.stream().mapToDouble(E2eBenchmark.StudyResult::latencySeconds).sorted().toArray();
    double[] stages = studies.stream().mapToDouble(E2eBenchmark.StudyResult::stagesSeconds).sorted().toArray();
    double[] wait = studies.stream().mapToDouble(E2eBenchmark.StudyResult::completionWaitSeconds).sorted().toArray();
    long first = studies.stream().mapToLong(E2eBenchmark.StudyResult::firstSliceMs).min().orElseThrow();
    long last = studies.stream().mapToLong(E2eBenchmark.StudyResult::scoredMs).max().orElseThrow();
    double span = (last - first) / 1000.0;
    int fallbacks = studies.stream().mapToInt(E2eBenchmark.StudyResult::fallbacks).sum();
    out.append("| measure | value |\n|---|---|\n");
    out.append(String.format("| latency, last slice -> StudyScore, p50 | %.1f s |%n", percentile(latency, 0.5)));
    out.append(String.format("| latency, last slice -> StudyScore, p95 | %.1f s |%n", percentile(latency, 0.95)));
    out.append(String.format("| of which last slice -> series complete (producer's inactivity wait), p50 | %.1f s |%n",
        percentile(wait, 0.5)));
    out.append(String.format("| of which series complete -> StudyScore (segmenter, cropper, classifier), p50 / p95 "
        + "| %.1f s / %.1f s |%n", percentile(stages, 0.5), percentile(stages, 0.95)));
    out.append(String.format("| throughput, first slice received -> last StudyScore | %.0f studies/hour (%d studies "
        + "in %.1f s; %.1f slices/s) |%n", studies.size() * 3600.0 / span, studies.size(), span, slices / span));
    out.append(String.format("| vertebrae classified / not found (fallback probability) | %d / %d |%n",
        7 * studies.size() - fallbacks, fallbacks));
    out.append(String.format("| StudyScores per study | %s |%n", duplicateScores == 0 ? "exactly 1"
        : duplicateScores + " duplicates"));
    out.append(String.format("| dead letters | %d |%n", deadLetters));
    for (String service : List.of("segmenter", "classifier")) {
      Map<String, Double> m = metrics.getOrDefault(service, Map.of());
      double batches = m.getOrDefault("spine_inference_batches_seconds_count", 0.0);
      double seconds = m.getOrDefault("spine_inference_batches_seconds_sum", 0.0);
      double items = m.getOrDefault("spine_inference_items_total", 0.0);
      if (batches > 0 && items > 0) {
        out.append(String.format("| %s inference (its /metrics): batches, mean per batch, per %s | %.0f, %.0f ms, "
            + "%.1f ms |%n", service, service.equals("segmenter") ? "slice" : "vertebra", batches,
            1000 * seconds / batches, 1000 * seconds / items));
      }
    }

    out.append("\n| service | RSS when healthy, before the studies (MiB) | RSS while streaming, median (steady) | "
        + "RSS while streaming, max sampled | peak RSS over its life, VmHWM (MiB) |\n|---|---|---|---|---|\n");
    memory.forEach((service, m) -> out.append(String.format("| %s | %.0f | %.0f | %.0f | %.0f |%n", service,
        m.atStartMib(), m.steadyMib(), m.maxSampledMib(), m.peakMib())));
    double total = memory.values().stream().mapToDouble(RssSampler.Summary::peakMib).sum();
    out.append(String.format("| all four | | %.0f | | %.0f |%n",
        memory.values().stream().mapToDouble(RssSampler.Summary::steadyMib).sum(), total));

    out.append("\n| study | slices | sent in | last slice -> series complete | series complete -> score | last slice "
        + "-> score | fallbacks |\n|---|---|---|---|---|---|---|\n");
    for (E2eBenchmark.StudyResult study : studies) {
      out.append(String.format("| ...%s | %d | %.1f s | %.1f s | %.1f s | %.1f s | %d |%n",
          study.uid().substring(Math.max(0, study.uid().length() - 10)), study.slices(),
          (study.sendEndMs() - study.sendStartMs()) / 1000.0, study.completionWaitSeconds(), study.stagesSeconds(),
          study.latencySeconds(), study.fallbacks()));
    }
    return out.toString();
  }

  /** Nearest rank: the smallest value with at least q of the values at or below it. */
  static double percentile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
