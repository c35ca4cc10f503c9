package io.spinestream.bench;

import io.spinestream.bench.ServiceBench.BareModel;
import io.spinestream.bench.ServiceBench.GroupWatcher;
import io.spinestream.bench.ServiceBench.Options;
import io.spinestream.bench.ServiceBench.OutputWatcher;
import io.spinestream.bench.ServiceBench.Prep;
import io.spinestream.bench.ServiceBench.Series;
import io.spinestream.common.imaging.Preprocess;
import io.spinestream.common.inference.BatchingPredictor;
import io.spinestream.common.inference.ModelCard;
import io.spinestream.common.inference.Tensor;
import io.spinestream.common.streams.RunningModelService;
import io.spinestream.events.CtSlice;
import io.spinestream.events.LabelRegion;
import io.spinestream.events.SliceMask;
import io.spinestream.schemas.Topic;
import io.spinestream.schemas.Topics;
import io.spinestream.schemas.registry.SchemaRegistryClient;
import io.spinestream.segmenter.LevelOrdering;
import io.spinestream.segmenter.MaskRegions;
import io.spinestream.segmenter.SegmenterMain;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Slices per second through the segmenter service (its Kafka Streams topology, started by
 * {@link SegmenterMain#start} in this JVM against the real broker and registry) against the bare model in the
 * same JVM, same model file, intra-op threads, workers and batching.
 *
 * <p>Input: phantom studies ingested by the producer into a fresh topic set before anything is timed. Each
 * round then times three things on the same slices, in turn, each round starting with a different one so that
 * all see the same background load:
 * <ul>
 *   <li><b>bare model only</b>: the 2.5D inputs, prepared beforehand, all submitted to a
 *       {@link BatchingPredictor} at once; full batches run back to back (the model's best rate here);
 *   <li><b>bare model + preprocessing</b>: what the service computes, without Kafka, in one thread: every
 *       slice's HU windowed and resized, then per batch the 2.5D inputs normalised, one synchronous batch
 *       (as the service's punctuator runs it), argmax and the mask regions;
 *   <li><b>service</b>: a new application id reads the ingested topics ({@code topics.source.prefix}) and
 *       writes its own; timed from its consumer group's first stable assignment (model loaded and warmed up
 *       before, rebalance over; see {@link GroupWatcher}) until the last committed SliceMask is read by a
 *       consumer.
 * </ul>
 * The service's masks are compared with the bare run's regions, to show both did the same work (the bare
 * path applies the card's level ordering over each series, as the service does).
 */
final class SegmenterBenchmark {
  private static final Duration SERVICE_TIMEOUT = Duration.ofMinutes(30);

  private SegmenterBenchmark() {}

  record Round(double modelOnly, double withPreprocessing, double service, double serviceStart,
      double firstMask, double serviceMeanBatch, long serviceForwards, double serviceForwardSeconds,
      int identicalMasks, int deadLetters) {}

  static void run(List<String> args) throws Exception {
    Options options = Options.parse("segmenter", ServiceBench.defaultCard("segmenter",
        SegmenterMain.settings(Map.of(), ServiceBench.PLACEHOLDER_ADDRESSES)), 3, args);
    ServiceBench.withIngestedStudies(options, ingested -> {
      int n = ingested.slices();
      System.err.printf("%d series, %d slices on %s*%n", ingested.series().size(), n, ingested.input());
      ModelCard card = ModelCard.read(options.card());
      List<Round> rounds = rounds(options, ingested.registry(), ingested.runId(), ingested.series(), n);
      report(options, card, ingested.series().size(), n, rounds, ingested.loadBefore());
    });
  }

  /** The rounds: bare model only, bare model + preprocessing and the service, in rotating order. */
  private static List<Round> rounds(Options options, SchemaRegistryClient registry, String runId, List<Series> series,
      int n) throws Exception {
    String input = runId + ".";
    List<Round> rounds = new ArrayList<>();
    try (BareModel bare = new BareModel(options, ModelCard.TASK_SEGMENTATION)) {
      Prep prep = Prep.of(bare.model.card());
      List<float[]> inputs = new ArrayList<>(n);
      for (Series s : series) {
        List<float[]> windowed = s.slices().stream().map(slice -> prepare(slice, prep)).toList();
        for (int i = 0; i < windowed.size(); i++) {
          inputs.add(input(windowed, i, prep));
        }
      }
      // Warm-up of the Java paths (JIT of preprocessing, argmax, regions, batching) and of every batch size the
      // runs will use; the predictor warmed up only batches of 1 and the largest at start.
      LevelOrdering.Rule levelOrdering = LevelOrdering.Rule.of(bare.model.card().levelOrdering());
      withPreprocessing(bare, prep, levelOrdering, series.subList(0, 1), options.batch(), new HashMap<>());
      bare.modelOnlySeconds(inputs.subList(0, Math.min(inputs.size(), 8 * options.batch() + 1)));
      // The same for the service: one untimed run, so that the timed ones measure a service whose code the JIT
      // has compiled, as the bare paths' are (a service runs for hours; its warm-up is a start-up cost, like the
      // model load, which no path is charged). Measured: without it, C2 compiled Kafka's and the service's hot
      // methods for 3-4 s of CPU inside each ~15 s service round on 2 cores.
      service(options, registry, runId + "-warmup", input, n);
      for (int round = 1; round <= options.repeat(); round++) {
        double[] bareSeconds = new double[2];
        Map<String, List<LabelRegion>> expected = new HashMap<>();
        Service[] service = new Service[1];
        String serviceRun = runId + "-r" + round;
        ServiceBench.runRotated(List.of(
            () -> bareSeconds[0] = bare.modelOnlySeconds(inputs),
            () -> bareSeconds[1] = withPreprocessing(bare, prep, levelOrdering, series, options.batch(), expected),
            () -> service[0] = service(options, registry, serviceRun, input, n)), round);
        Service s = service[0];
        int identical = (int) s.masks().stream()
            .filter(mask -> mask.getRegions().equals(expected.get(mask.getSopInstanceUid()))).count();
        Round r = new Round(bareSeconds[0], bareSeconds[1], s.seconds(), s.startSeconds(), s.firstMask(),
            s.meanBatch(), s.forwards(), s.forwardSeconds(), identical, s.deadLetters());
        rounds.add(r);
        System.err.printf("round %d: model only %.1f slices/s, model + preprocessing %.1f, service %.1f (first mask"
                + " after %.1f s, %d of %d masks identical, mean batch %.2f, %d slices through the model in %.1f s"
                + " of forward passes)%n", round, n / r.modelOnly(), n / r.withPreprocessing(), n / r.service(),
            r.firstMask(), r.identicalMasks(), n, r.serviceMeanBatch(), r.serviceForwards(),
            r.serviceForwardSeconds());
      }
    }
    return rounds;
  }

  /** A slice windowed and resized to the model input, as the service does on arrival. */
  static float[] prepare(CtSlice slice, Prep prep) {
    return Preprocess.windowAndResize(ServiceBench.hounsfield(slice), slice.getColumns(), 0, 0, slice.getColumns(),
        slice.getRows(), prep.huLow(), prep.huHigh(), prep.height(), prep.width());
  }

  /** Slice i's 2.5D input: channels i-1, i, i+1 (clamped), normalised per channel. */
  static float[] input(List<float[]> windowed, int i, Prep prep) {
    int pixels = prep.height() * prep.width();
    int n = windowed.size();
    float[] input = new float[3 * pixels];
    for (int c = 0; c < 3; c++) {
      prep.normalise(windowed.get(Math.max(0, Math.min(n - 1, i - 1 + c))), c, input, c * pixels);
    }
    return input;
  }

  /**
   * The service's computation without Kafka, in one thread: prepare every slice, then batch by batch (filled
   * across series in order, as the punctuator fills them) build the inputs, run one synchronous batch, take
   * the argmax and the regions; then, when the card asks for it, the level ordering over each series. Fills
   * {@code regions} (by SOP Instance UID) for the comparison.
   */
  private static double withPreprocessing(BareModel bare, Prep prep, LevelOrdering.Rule levelOrdering,
      List<Series> series, int batch, Map<String, List<LabelRegion>> regions) throws Exception {
    record Item(List<float[]> windowed, CtSlice slice, int index) {}
    long start = System.nanoTime();
    List<Item> items = new ArrayList<>();
    for (Series s : series) {
      List<float[]> windowed = new ArrayList<>(s.slices().size());
      for (CtSlice slice : s.slices()) {
        windowed.add(prepare(slice, prep));
      }
      for (int i = 0; i < windowed.size(); i++) {
        items.add(new Item(windowed, s.slices().get(i), i));
      }
    }
    int pixels = prep.height() * prep.width();
    for (int from = 0; from < items.size(); from += batch) {
      List<Item> work = items.subList(from, Math.min(items.size(), from + batch));
      List<float[]> inputs = new ArrayList<>(work.size());
      for (Item item : work) {
        inputs.add(input(item.windowed(), item.index(), prep));
      }
      List<Tensor> logits = bare.run(inputs);
      for (int w = 0; w < work.size(); w++) {
        CtSlice slice = work.get(w).slice();
        byte[] labels = MaskRegions.argmax(logits.get(w).data(), pixels);
        regions.put(slice.getSopInstanceUid(), MaskRegions.of(labels, prep.height(), prep.width(), slice.getRows(),
            slice.getColumns()));
      }
    }
    if (levelOrdering != LevelOrdering.Rule.NONE) {
      for (Series s : series) {
        List<List<LabelRegion>> ordered = s.slices().stream().map(slice -> regions.get(slice.getSopInstanceUid()))
            .toList();
        int[] states = LevelOrdering.statesOfRegions(ordered, levelOrdering);
        for (int i = 0; i < states.length; i++) {
          regions.put(s.slices().get(i).getSopInstanceUid(), LevelOrdering.apply(ordered.get(i), states[i]));
        }
      }
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /**
   * One service run: seconds from its consumer group's first stable assignment to the last mask read, seconds
   * from the start call to RUNNING, seconds from the stable assignment to the first mask read, the predictor's
   * mean batch, the slices it ran (more than the series have when some segmented before their manifest had
   * other neighbours) and the seconds its forward passes took, the masks, the dead letters.
   */
  record Service(double seconds, double startSeconds, double firstMask, double meanBatch, long forwards,
      double forwardSeconds, List<SliceMask> masks, int deadLetters) {}

  /** One run of the service over the ingested topics, with its own application id and output topics. */
  private static Service service(Options options, SchemaRegistryClient registry, String runId, String input, int n)
      throws Exception {
    String output = runId + ".";
    Topic<SliceMask> masks = Topics.MASKS.withName(output + Topics.MASKS.name());
    Topic<?> deadLetters = Topics.DEAD_LETTERS.withName(output + Topics.DEAD_LETTERS.name());
    ServiceBench.createTopics(options, List.of(masks, deadLetters));
    List<String> args = options.serviceArgs(runId, input, output);
    try (OutputWatcher watcher = new OutputWatcher(options, Map.of(masks.name(), n, deadLetters.name(), 0));
        GroupWatcher group = new GroupWatcher(options, runId)) {
      long starting = System.nanoTime();
      RunningModelService running = SegmenterMain.start(SegmenterMain.settings(Map.of(),
          args.toArray(String[]::new)));
      long started = System.nanoTime();
      long done;
      BatchingPredictor.Stats stats;
      try {
        done = watcher.await(SERVICE_TIMEOUT, () -> running.runner().state().isRunningOrRebalancing() ? null
            : "segmenter stopped (" + running.runner().state() + ")");
        stats = running.predictor().stats();
      } finally {
        running.close();
        ServiceBench.deleteRecursively(options.work().resolve("state").resolve(runId));
      }
      long from = group.stableNanos();
      return new Service((done - from) / 1e9, (started - starting) / 1e9, (watcher.firstNanos() - from) / 1e9,
          stats.meanBatchSize(), stats.items(), stats.inferenceNanos() / 1e9,
          watcher.values(masks.name(), SliceMask.class, registry),
          watcher.counts().get(deadLetters.name()));
    }
  }

  private static void report(Options options, ModelCard card, int studies, int n, List<Round> rounds, String load)
      throws IOException {
    double[] modelOnly = rounds.stream().mapToDouble(Round::modelOnly).toArray();
    double[] prep = rounds.stream().mapToDouble(Round::withPreprocessing).toArray();
    double[] service = rounds.stream().mapToDouble(Round::service).toArray();
    double m = ServiceBench.median(modelOnly);
    double p = ServiceBench.median(prep);
    double s = ServiceBench.median(service);
    StringBuilder out = new StringBuilder(ServiceBench.heading(options, load));
    out.append(String.format("Command: `%s`. Model %s %s (`%s`), input %s, level ordering %s. %d studies, %d slices,"
            + " matrix %d, phantom seed %d. %s%n%n", String.join(" ", options.command()), card.name(), card.version(),
        options.card(), java.util.Arrays.toString(card.inputShape(options.batch())),
        card.levelOrdering().isEmpty() ? "none" : card.levelOrdering(), studies, n, options.matrix(), options.seed(),
        ServiceBench.setup(options, SegmenterMain.settings(Map.of(),
            options.serviceArgs("report", "", "").toArray(String[]::new)), rounds.size())));
    out.append("| path | slices | seconds | slices/s | service / this |\n|---|---|---|---|---|\n");
    out.append(String.format("| bare model only (inputs prepared beforehand) | %d | %.2f | %.1f | **%.2f** |%n", n, m,
        n / m, m / s));
    out.append(String.format("| bare model + preprocessing (window, resize, 2.5D, argmax, regions; no Kafka) | %d |"
        + " %.2f | %.1f | **%.2f** |%n", n, p, n / p, p / s));
    out.append(String.format("| segmenter service (Kafka Streams, group assigned -> last committed SliceMask read)"
        + " | %d | %.2f | %.1f | 1.00 |%n%n", n, s, n / s));
    out.append(ServiceBench.roundsLine("slices/s: model only / + preprocessing / service; start call to RUNNING"
        + " (model load, warm-up, group join; not in the rate); group assigned to first mask read; service mean"
        + " batch; slices the service's model ran and the seconds of its forward passes; masks identical to the bare"
        + " run; dead letters", rounds.stream().map(r -> String.format("%.1f / %.1f / %.1f, %.1f s, %.1f s, %.2f, %d in"
            + " %.1f s, %d/%d, %d", n / r.modelOnly(), n / r.withPreprocessing(), n / r.service(), r.serviceStart(),
        r.firstMask(), r.serviceMeanBatch(), r.serviceForwards(), r.serviceForwardSeconds(), r.identicalMasks(), n,
        r.deadLetters())).toList()));
    ServiceBench.publish(options, "# Segmenter service benchmark: slices/s through Kafka vs the bare model\n\n"
        + "Reproduce: the command of each section, from the repository root (`./spine bench segmenter ...`; it starts"
        + " the development stack if needed). Phantom studies are ingested by the producer into a fresh topic set"
        + " before anything is timed. The segmenter service runs in the benchmark's JVM (`SegmenterMain.start`,"
        + " the real topology, broker and registry) under a new application id per round, timed from the first"
        + " stable assignment of its consumer group (after the model load, warm-up and rebalance; Kafka Streams"
        + " reports RUNNING only once every task is ready, and tasks may process before that) to the moment a"
        + " consumer has read its last committed SliceMask; the bare model is the same TorchScript"
        + " file through the same runtime (`TorchModel`, `BatchingPredictor`) with the same threads and batching,"
        + " without (model only) and with the service's Java pre- and post-processing. Each round runs the"
        + " three in turn, starting with a different one each round, so that they share the background load"
        + " (medians of the rounds are reported). The target (ARCHITECTURE section 7) is service / bare model"
        + " >= 0.9.\n", out);
  }
}
