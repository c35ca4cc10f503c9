package io.spinestream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.spinestream.bench.ServiceBench.Series;
import io.spinestream.bench.ServiceBench.BareModel;
import io.spinestream.bench.ServiceBench.GroupWatcher;
import io.spinestream.bench.ServiceBench.Options;
import io.spinestream.bench.ServiceBench.OutputWatcher;
import io.spinestream.bench.ServiceBench.Prep;
import io.spinestream.classifier.ClassifierMain;
import io.spinestream.common.imaging.Preprocess;
import io.spinestream.common.inference.BatchingPredictor;
import io.spinestream.common.inference.ModelCard;
import io.spinestream.common.inference.Tensor;
import io.spinestream.common.streams.RunningModelService;
import io.spinestream.cropper.CropPlanner;
import io.spinestream.events.CtSlice;
import io.spinestream.events.LabelRegion;
import io.spinestream.events.ModelRef;
import io.spinestream.events.StudyScore;
import io.spinestream.events.Vertebra;
import io.spinestream.events.VertebraCrop;
import io.spinestream.events.VertebraScore;
import io.spinestream.phantom.LabelResampling;
import io.spinestream.phantom.PhantomGenerator;
import io.spinestream.phantom.RenderedStudy;
import io.spinestream.schemas.Topic;
import io.spinestream.schemas.Topics;
import io.spinestream.schemas.registry.RegistryClientConfig;
import io.spinestream.schemas.registry.SchemaRegistryClient;
import io.spinestream.segmenter.MaskRegions;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Vertebrae per second through the classifier service ({@link ClassifierMain#start} in this JVM, the real
 * topology, broker and registry) against the bare classifier model in the same JVM, same model file, intra-op
 * threads, workers and batching.
 *
 * <p>Input: phantom studies ingested by the producer (slices, manifests), plus one {@code VertebraCrop} per
 * vertebra made from the phantoms' ground-truth labels by the crop contract (labels at the segmenter's
 * resolution by area majority ({@link LabelResampling#majority}, contract rule 9), {@link MaskRegions}, {@link CropPlanner} with the card's
 * {@code crop} settings), so the work does not depend on how good a segmentation model is. Timed per round,
 * in turn, each round starting with a different one so that all see the same background load:
 * <ul>
 *   <li><b>bare model only</b>: the [24, 3, H, W] inputs of every found vertebra, prepared beforehand, all
 *       submitted at once to a {@link BatchingPredictor}: full batches back to back;
 *   <li><b>bare model + preprocessing</b>: what the classifier computes, without Kafka, in one thread: per
 *       batch the crops cut from the slices' HU (int16 little-endian, as stored), windowed, resized, normalised,
 *       one synchronous batch, sigmoid;
 *   <li><b>service, all input on the topics</b>: slices, manifests and crops are on the topics before it
 *       starts; timed from its consumer group's first stable assignment (the rebalance is over, model loaded
 *       and warmed up before) until the last VertebraScore and StudyScore are read (committed). This includes
 *       reading and storing every slice (the classifier keeps slices until their crops come);
 *   <li><b>service, crops after the slices</b>: the service first reads and stores the slices (its consumer
 *       group caught up with the slice and manifest topics), then the crops are published; timed from the
 *       publication to the last score: the scoring path alone, as in a live pipeline where the crops come
 *       after the slices.
 * </ul>
 */
final class ClassifierBenchmark {
  private static final Duration SERVICE_TIMEOUT = Duration.ofMinutes(30);
  private static final int STEPS = CropPlanner.SAMPLED_SLICES;

  private ClassifierBenchmark() {}

  record Round(double modelOnly, double withPreprocessing, double allOnTopics, double cropsAfterSlices,
      double serviceStart, double firstScore, double slicesStored, double serviceMeanBatch,
      double firstScoreAfterCrops, double forwardSecondsAfterCrops, double maxProbabilityDifference,
      int deadLetters) {}

  /** A vertebra to score: its series, its crop and where its result goes. */
  record Work(Series series, VertebraCrop crop) {
    String key() {
      return crop.getStudyInstanceUid() + "/" + crop.getVertebra();
    }
  }

  static void run(List<String> args) throws Exception {
    Options options = Options.parse("classifier", ServiceBench.defaultCard("classifier",
        ClassifierMain.settings(Map.of(), ServiceBench.PLACEHOLDER_ADDRESSES)), 8, args);
    ServiceBench.withIngestedStudies(options, ingested -> {
      List<Series> series = ingested.series();
      ModelCard card = ModelCard.read(options.card());
      List<VertebraCrop> crops = groundTruthCrops(options, card, series);
      List<Work> work = found(crops, series);
      System.err.printf("%d series, %d slices, %d of %d vertebrae found in the ground truth%n", series.size(),
          ingested.slices(), work.size(), crops.size());
      List<Round> rounds = rounds(options, ingested.registry(), ingested.runId(), crops, work);
      report(options, card, series.size(), ingested.slices(), work.size(), crops.size(), rounds,
          ingested.loadBefore());
    });
  }

  /** The crops the model scores (found), each with its series. */
  private static List<Work> found(List<VertebraCrop> crops, List<Series> series) {
    Map<String, Series> bySeries = new HashMap<>();
    series.forEach(s -> bySeries.put(s.manifest().getSeriesInstanceUid(), s));
    return crops.stream().filter(VertebraCrop::getFound)
        .map(crop -> new Work(bySeries.get(crop.getSeriesInstanceUid()), crop)).toList();
  }

  /** The rounds: bare model only, bare model + preprocessing and the service both ways, in rotating order. */
  private static List<Round> rounds(Options options, SchemaRegistryClient registry, String runId,
      List<VertebraCrop> crops, List<Work> work) throws Exception {
    String input = runId + ".";
    int n = work.size();
    List<Round> rounds = new ArrayList<>();
    try (BareModel bare = new BareModel(options, ModelCard.TASK_VERTEBRA_FRACTURE)) {
      Prep prep = Prep.of(bare.model.card());
      List<float[]> inputs = new ArrayList<>(n);
      for (Work w : work) {
        inputs.add(input(w, prep));
      }
      // Warm-up of the Java paths (JIT of preprocessing, batching) and of the batch sizes the runs will use; the
      // predictor warmed up only batches of 1 and the largest at start.
      withPreprocessing(bare, prep, work, options.batch(), new HashMap<>());
      bare.modelOnlySeconds(inputs);
      // The same for the service: one untimed run of each kind, so that the timed ones measure a service whose
      // code the JIT has compiled, as the bare paths' are (a service runs for hours; its warm-up is a start-up
      // cost, like the model load, which no path is charged).
      service(options, registry, runId + "-warmup-a", input, crops, false);
      service(options, registry, runId + "-warmup-b", input, crops, true);
      for (int round = 1; round <= options.repeat(); round++) {
        double[] bareSeconds = new double[2];
        Map<String, Double> expected = new HashMap<>();
        Service[] service = new Service[2];
        String serviceRun = runId + "-r" + round;
        ServiceBench.runRotated(List.of(
            () -> bareSeconds[0] = bare.modelOnlySeconds(inputs),
            () -> bareSeconds[1] = withPreprocessing(bare, prep, work, options.batch(), expected),
            () -> service[0] = service(options, registry, serviceRun + "a", input, crops, false),
            () -> service[1] = service(options, registry, serviceRun + "b", input, crops, true)), round);
        Service all = service[0];
        Service after = service[1];
        double difference = Math.max(all.maxDifference(expected), after.maxDifference(expected));
        Round r = new Round(bareSeconds[0], bareSeconds[1], all.seconds(), after.seconds(), all.startSeconds(),
            all.firstOutput(), after.catchUp(), all.meanBatch(), after.firstOutput(), after.forwardSeconds(), difference,
            all.deadLetters() + after.deadLetters());
        rounds.add(r);
        System.err.printf("round %d: model only %.1f vertebrae/s, model + preprocessing %.1f, service (all input on"
                + " the topics) %.1f, service (crops after slices) %.1f (first score after %.2f s, %.2f s of forward"
                + " passes); max |p service - p bare| %.2g%n", round, n / r.modelOnly(), n / r.withPreprocessing(),
            n / r.allOnTopics(), n / r.cropsAfterSlices(), r.firstScoreAfterCrops(), r.forwardSecondsAfterCrops(),
            difference);
      }
    }
    return rounds;
  }

  /**
   * One VertebraCrop per vertebra of every series, from the phantom's true labels by the crop contract:
   * labels to the segmenter's resolution by area majority (the ground truth of the quality report), the regions of
   * {@link MaskRegions}, the plan of {@link CropPlanner} with the classifier card's crop settings.
   */
  static List<VertebraCrop> groundTruthCrops(Options options, ModelCard card, List<Series> series) {
    JsonNode crop = card.crop();
    int minPixels = crop == null ? 10 : crop.path("min_pixels").asInt(10);
    double margin = crop == null ? 0.125 : crop.path("margin_fraction").asDouble(0.125);
    int maskSize = crop == null ? 160 : crop.path("mask_size").asInt(160);
    CropPlanner planner = new CropPlanner(minPixels, margin);
    ModelRef truth = new ModelRef("phantom-ground-truth", "seed-" + options.seed(), "");
    Instant now = Instant.now();
    List<VertebraCrop> crops = new ArrayList<>();
    for (int index = 0; index < options.studies(); index++) {
      RenderedStudy rendered = PhantomGenerator.render(options.phantom(), index);
      Series s = series.stream().filter(x -> x.manifest().getStudyInstanceUid().equals(rendered.studyInstanceUid()))
          .findFirst().orElseThrow(() -> new IllegalStateException("study " + rendered.studyInstanceUid()
              + " was not ingested"));
      int rows = rendered.rows();
      int columns = rendered.columns();
      List<Map<Integer, CropPlanner.Region>> byIndex = new ArrayList<>();
      for (CtSlice slice : s.slices()) {
        if (slice.getInstanceNumber() == null) {
          throw new IllegalStateException("phantom slice " + slice.getSopInstanceUid() + " has no InstanceNumber");
        }
        // The phantom writes slice k of the rendering as InstanceNumber k + 1.
        byte[] labels = LabelResampling.majority(rendered.labels(slice.getInstanceNumber() - 1), rows, columns, maskSize, maskSize);
        Map<Integer, CropPlanner.Region> regions = new TreeMap<>();
        for (LabelRegion region : MaskRegions.of(labels, maskSize, maskSize, rows, columns)) {
          var box = region.getBox();
          regions.put(region.getLabel(), new CropPlanner.Region(region.getPixelCount(), box.getX0(), box.getY0(),
              box.getX1(), box.getY1()));
        }
        byIndex.add(regions);
      }
      List<String> sops = s.manifest().getSopInstanceUids();
      for (int label = 1; label <= 7; label++) {
        int v = label;
        Optional<CropPlanner.Plan> plan = planner.plan(byIndex.stream().map(m -> m.get(v)).toList(), rows, columns);
        List<Integer> sampled = plan.map(CropPlanner.Plan::sampledIndices).orElse(List.of());
        crops.add(VertebraCrop.newBuilder()
            .setStudyInstanceUid(s.manifest().getStudyInstanceUid())
            .setSeriesInstanceUid(s.manifest().getSeriesInstanceUid())
            .setVertebra(Vertebra.values()[label - 1])
            .setFound(plan.isPresent())
            .setBox(plan.map(CropPlanner.Plan::box).orElse(null))
            .setSliceCount(sops.size())
            .setSampledSliceIndices(sampled)
            .setSampledSopInstanceUids(sampled.stream().map(sops::get).toList())
            .setSegmenter(truth)
            .setSeriesFirstReceivedAt(s.manifest().getFirstReceivedAt())
            .setSeriesLastReceivedAt(s.manifest().getLastReceivedAt())
            .setCreatedAt(now)
            .build());
      }
    }
    return crops;
  }

  /** The classifier input of a crop: [24, 3, H, W], channel c of step t = slice clamp(s_t - 1 + c). */
  static float[] input(Work work, Prep prep) {
    VertebraCrop crop = work.crop();
    var box = crop.getBox();
    List<CtSlice> slices = work.series().slices();
    int n = slices.size();
    int pixels = prep.height() * prep.width();
    float[] input = new float[STEPS * 3 * pixels];
    Map<Integer, float[]> prepared = new HashMap<>();
    for (int t = 0; t < STEPS; t++) {
      int sampled = crop.getSampledSliceIndices().get(t);
      for (int c = 0; c < 3; c++) {
        int index = Math.max(0, Math.min(n - 1, sampled - 1 + c));
        float[] windowed = prepared.computeIfAbsent(index, i -> {
          CtSlice slice = slices.get(i);
          return Preprocess.windowAndResize(ServiceBench.hounsfield(slice), slice.getColumns(), box.getX0(),
              box.getY0(), box.getX1(), box.getY1(), prep.huLow(), prep.huHigh(), prep.height(), prep.width());
        });
        prep.normalise(windowed, c, input, (t * 3 + c) * pixels);
      }
    }
    return input;
  }

  /**
   * The service's computation without Kafka, in one thread: per batch, cut, window, resize and normalise the
   * crops, run one synchronous batch, sigmoid. Fills {@code probabilities} (study/vertebra) for the comparison.
   */
  private static double withPreprocessing(BareModel bare, Prep prep, List<Work> work, int batch,
      Map<String, Double> probabilities) throws Exception {
    long start = System.nanoTime();
    for (int from = 0; from < work.size(); from += batch) {
      List<Work> items = work.subList(from, Math.min(work.size(), from + batch));
      List<float[]> inputs = new ArrayList<>(items.size());
      for (Work item : items) {
        inputs.add(input(item, prep));
      }
      List<Tensor> logits = bare.run(inputs);
      for (int i = 0; i < items.size(); i++) {
        probabilities.put(items.get(i).key(), 1.0 / (1.0 + Math.exp(-logits.get(i).data()[0])));
      }
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /**
   * One service run: seconds timed, seconds from the start call to RUNNING, from the start of the timing
   * (group stable, or crops published) to the first score read, from the group's stable assignment to all
   * slices stored (crops-after runs), the predictor's mean batch and the seconds of its forward passes, the
   * scores, the dead letters.
   */
  record Service(double seconds, double startSeconds, double firstOutput, double catchUp, double meanBatch,
      double forwardSeconds, List<VertebraScore> scores, int deadLetters) {
    /** The largest |p service - p bare| over the model-scored vertebrae (fallbacks are not the model's). */
    double maxDifference(Map<String, Double> bare) {
      double max = 0;
      for (VertebraScore score : scores) {
        if (!score.getFallback()) {
          Double expected = bare.get(score.getStudyInstanceUid() + "/" + score.getVertebra());
          max = Math.max(max, expected == null ? Double.POSITIVE_INFINITY
              : Math.abs(expected - score.getProbability()));
        }
      }
      return max;
    }
  }

  /**
   * One run of the service under its own application id and output topics, reading the ingested slices.
   * {@code cropsAfterSlices}: publish the crops only once the service has read every slice and manifest,
   * and time from then; otherwise publish them before it starts and time from the consumer group's first stable
   * assignment ({@link GroupWatcher}).
   */
  private static Service service(Options options, SchemaRegistryClient registry, String runId, String input,
      List<VertebraCrop> crops, boolean cropsAfterSlices) throws Exception {
    String output = runId + ".";
    Topic<VertebraCrop> cropTopic = Topics.CROPS.withName(output + Topics.CROPS.name());
    Topic<VertebraScore> vertebraScores = Topics.VERTEBRA_SCORES.withName(output + Topics.VERTEBRA_SCORES.name());
    Topic<StudyScore> scores = Topics.SCORES.withName(output + Topics.SCORES.name());
    Topic<?> deadLetters = Topics.DEAD_LETTERS.withName(output + Topics.DEAD_LETTERS.name());
    ServiceBench.createTopics(options, List.of(cropTopic, vertebraScores, scores, deadLetters));
    if (!cropsAfterSlices) {
      try (CropPublisher publisher = new CropPublisher(options, registry, cropTopic, crops.get(0))) {
        publisher.send(crops);
      }
    }
    int studies = options.studies();
    List<String> args = options.serviceArgs(runId, input, output);
    try (OutputWatcher watcher = new OutputWatcher(options, Map.of(vertebraScores.name(), 7 * studies, scores.name(),
        studies, deadLetters.name(), 0)); GroupWatcher group = new GroupWatcher(options, runId);
        CropPublisher publisher = cropsAfterSlices ? new CropPublisher(options, registry, cropTopic, crops.get(0))
            : null) {
      long starting = System.nanoTime();
      RunningModelService running = ClassifierMain.start(ClassifierMain.settings(Map.of(),
          args.toArray(String[]::new)));
      long started = System.nanoTime();
      Supplier<String> alive = () -> running.runner().state().isRunningOrRebalancing() ? null
          : "classifier stopped (" + running.runner().state() + ")";
      long published = 0;
      long done;
      BatchingPredictor.Stats stats;
      try {
        if (cropsAfterSlices) {
          awaitCaughtUp(options, runId, List.of(input + Topics.SLICES.name(), input + Topics.SERIES.name()), alive);
          published = System.nanoTime();
          publisher.send(crops);
        }
        done = watcher.await(SERVICE_TIMEOUT, alive);
        stats = running.predictor().stats();
      } finally {
        running.close();
        ServiceBench.deleteRecursively(options.work().resolve("state").resolve(runId));
      }
      long stable = group.stableNanos();
      long from = cropsAfterSlices ? published : stable;
      return new Service((done - from) / 1e9, (started - starting) / 1e9, (watcher.firstNanos() - from) / 1e9,
          cropsAfterSlices ? (published - stable) / 1e9 : 0, stats.meanBatchSize(), stats.inferenceNanos() / 1e9,
          watcher.values(vertebraScores.name(), VertebraScore.class, registry),
          watcher.counts().get(deadLetters.name()));
    }
  }

  /**
   * Publishes crops and fails unless every one is acknowledged. Opened before the clock starts: connecting,
   * the idempotent producer's id and the registry's schema id are the publisher's start-up, not the service's
   * work. The topic was created a moment ago: sending before its partitions have leaders can leave an
   * idempotent producer retrying OUT_OF_ORDER_SEQUENCE_NUMBER until the delivery timeout drops the records
   * (seen here), so it waits for the leaders and sends one request at a time.
   */
  private static final class CropPublisher implements AutoCloseable {
    private final Topic<VertebraCrop> topic;
    private final KafkaProducer<String, VertebraCrop> producer;

    CropPublisher(Options options, SchemaRegistryClient registry, Topic<VertebraCrop> topic, VertebraCrop sample)
        throws Exception {
      this.topic = topic;
      Properties props = ServiceBench.adminProperties(options);
      props.put(ProducerConfig.ACKS_CONFIG, "all");
      props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
      props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
      var values = topic.valueSerde(registry, Map.of(RegistryClientConfig.URL, options.registry())).serializer();
      producer = new KafkaProducer<>(props, new StringSerializer(), values);
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (producer.partitionsFor(topic.name()).stream()
            .anyMatch(p -> p.leader() == null || p.leader().isEmpty())) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("partitions of " + topic.name() + " have no leader after 60 s");
          }
          Thread.sleep(50);
        }
        // The registry lookup happens at the first serialisation; the serializer caches the id.
        values.serialize(topic.name(), sample);
      } catch (Exception | Error e) {
        producer.close();
        throw e;
      }
    }

    void send(List<VertebraCrop> crops) {
      List<Future<RecordMetadata>> sent = new ArrayList<>(crops.size());
      for (VertebraCrop crop : crops) {
        sent.add(producer.send(new ProducerRecord<>(topic.name(), crop.getStudyInstanceUid(), crop)));
      }
      producer.flush();
      for (Future<RecordMetadata> result : sent) {
        try {
          result.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while publishing the crops", e);
        } catch (ExecutionException e) {
          throw new IllegalStateException("publishing the crops to " + topic.name() + " failed: " + e.getCause(),
              e.getCause());
        }
      }
    }

    @Override
    public void close() {
      producer.close();
    }
  }

  /** Waits until the application's committed offsets reach the end of the given topics. */
  private static void awaitCaughtUp(Options options, String applicationId, List<String> topics, Supplier<String> alive)
      throws Exception {
    long deadline = System.nanoTime() + SERVICE_TIMEOUT.toNanos();
    try (Admin admin = Admin.create(ServiceBench.adminProperties(options))) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).forEach((name, description) ->
          description.partitions().forEach(p ->
              latest.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
      Map<TopicPartition, Long> end = new HashMap<>();
      admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> end.put(tp, info.offset()));
      while (true) {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
            .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        boolean caughtUp = end.entrySet().stream().allMatch(e -> e.getValue() == 0
            || (committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue()));
        if (caughtUp) {
          return;
        }
        String dead = alive.get();
        if (dead != null) {
          throw new IllegalStateException(dead);
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("classifier did not read " + topics + " within "
              + SERVICE_TIMEOUT.toMinutes() + " minutes");
        }
        Thread.sleep(50);
      }
    }
  }

  private static void report(Options options, ModelCard card, int studies, int slices, int n, int vertebrae,
      List<Round> rounds, String load) throws IOException {
    double m = ServiceBench.median(rounds.stream().mapToDouble(Round::modelOnly).toArray());
    double p = ServiceBench.median(rounds.stream().mapToDouble(Round::withPreprocessing).toArray());
    double a = ServiceBench.median(rounds.stream().mapToDouble(Round::allOnTopics).toArray());
    double b = ServiceBench.median(rounds.stream().mapToDouble(Round::cropsAfterSlices).toArray());
    StringBuilder out = new StringBuilder(ServiceBench.heading(options, load));
    out.append(String.format("Command: `%s`. Model %s %s (`%s`), input %s. %d studies, %d slices, matrix %d, phantom"
            + " seed %d; %d of %d vertebrae found by the ground-truth crops (the rest are fallbacks, no model work)."
            + " %s%n%n", String.join(" ", options.command()), card.name(), card.version(), options.card(),
        Arrays.toString(card.inputShape(options.batch())), studies, slices, options.matrix(), options.seed(), n,
        vertebrae, ServiceBench.setup(options, ClassifierMain.settings(Map.of(),
            options.serviceArgs("report", "", "").toArray(String[]::new)), rounds.size())));
    out.append("| path | vertebrae | seconds | vertebrae/s |\n|---|---|---|---|\n");
    out.append(row("bare model only (inputs prepared beforehand)", n, m));
    out.append(row("bare model + preprocessing (crop, window, resize, normalise, sigmoid; no Kafka)", n, p));
    out.append(row("classifier service, all input on the topics (group assigned -> last committed score read; includes"
        + " reading and storing " + slices + " slices)", n, a));
    out.append(row("classifier service, crops published after it stored the slices (publication -> last committed"
        + " score read)", n, b));
    out.append(String.format("%n| service rate / bare rate | vs bare model only | vs bare model + preprocessing |%n"
        + "|---|---|---|%n| all input on the topics | **%.2f** | **%.2f** |%n| crops after the slices | **%.2f** |"
        + " **%.2f** |%n", m / a, p / a, m / b, p / b));
    out.append(String.format("%n"));
    out.append(ServiceBench.roundsLine("vertebrae/s: model only / + preprocessing / service all on topics / service"
        + " crops after slices; start call to RUNNING (model load, warm-up, group join; not in the rates); all on"
        + " topics: group assigned to first score read; crops after: group assigned to all slices stored; service"
        + " mean batch; crops after: publication to first score read, seconds of forward passes; max |p service - p"
        + " bare|; dead letters", rounds.stream().map(r -> String.format(
            "%.1f / %.1f / %.1f / %.1f, %.1f s, %.1f s, %.1f s, %.2f, %.2f s, %.2f s, %.2g, %d", n / r.modelOnly(),
            n / r.withPreprocessing(), n / r.allOnTopics(), n / r.cropsAfterSlices(), r.serviceStart(),
            r.firstScore(), r.slicesStored(), r.serviceMeanBatch(), r.firstScoreAfterCrops(),
            r.forwardSecondsAfterCrops(), r.maxProbabilityDifference(), r.deadLetters())).toList()));
    ServiceBench.publish(options, "# Classifier service benchmark: vertebrae/s through Kafka vs the bare"
        + " model\n\nReproduce: the command of each section, from the repository root (`./spine bench classifier"
        + " ...`; it starts the development stack if needed). Phantom studies are ingested by the producer into a"
        + " fresh topic set, and one VertebraCrop per vertebra is made from the phantoms' ground-truth labels by"
        + " the crop contract (the cropper's `CropPlanner` with the card's crop settings), before anything is"
        + " timed. The classifier service runs in the benchmark's JVM (`ClassifierMain.start`, the real topology,"
        + " broker and registry) under a new application id per run, timed until a consumer has read its last"
        + " committed VertebraScore and StudyScore: once with all input on the topics before it starts (timed"
        + " from the first stable assignment of its consumer group, i.e. after the model load, warm-up and"
        + " rebalance; this includes reading and storing every slice), once with the crops published after it"
        + " has stored the slices (timed from the publication: the scoring path). The bare model is the same"
        + " TorchScript file through the same runtime (`TorchModel`, `BatchingPredictor`) with the same threads"
        + " and batching, without (model only) and with the service's Java preprocessing. Each round runs"
        + " all four in turn, starting with a different one each round, so that they share the background load"
        + " (medians of the rounds are reported). The target (ARCHITECTURE section 7) is service / bare"
        + " model >= 0.9.\n", out);
  }

  private static String row(String path, int n, double seconds) {
    return String.format("| %s | %d | %.2f | %.1f |%n", path, n, seconds, n / seconds);
  }
}
