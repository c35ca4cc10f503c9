package io.spinestream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.spinestream.common.http.FreePorts;
import io.spinestream.common.inference.ModelCard;
import io.spinestream.events.SeriesManifest;
import io.spinestream.events.StudyScore;
import io.spinestream.phantom.PhantomGenerator;
import io.spinestream.phantom.PhantomOptions;
import io.spinestream.schemas.registry.RegistryClientConfig;
import io.spinestream.schemas.registry.SchemaRegistryClient;
import io.spinestream.schemas.serde.AvroDeserializer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The whole pipeline as deployed, timed per study: producer (DICOM C-STORE receiver), segmenter, cropper and
 * classifier each in its own JVM started from its jar as {@code ./spine run} starts them, on a fresh topic
 * set of the running stack. N phantom studies are sent over C-STORE with dcmtk's {@code storescu}, one
 * association per study, as a scanner would. From each study's {@code StudyScore} (which carries the
 * receive times of its first and last slice and the time it was scored) it reports the latency from the last
 * slice to the score (p50, p95), split at the series manifest (the producer's inactivity wait, then the
 * stages), the throughput in studies per hour, and each service's resident memory sampled from
 * {@code /proc/<pid>/status} (VmRSS over time, VmHWM as the peak).
 *
 * <pre>
 *   bench e2e [--models shipped|full] [--studies 4] [--segmenter-card PATH] [--classifier-card PATH]
 *             [--matrix 256] [--seed 7001] [--interval-ms 0] [--partitions 6] [--timeout-s 1800]
 *             [--jvm "-Xmx1g"] [--set service.key=value]... [--results bench/results/e2e.md]
 * </pre>
 *
 * {@code --models full} runs the full-size architectures (EfficientNet-B0 U-Net at 320, EfficientNetV2-S +
 * BiGRU at 224) exported with random weights into {@code build/full} (exported first when missing): speed
 * and memory only, their scores mean nothing. A random segmenter labels every pixel background, so nothing
 * after it would work; the segmenter used is therefore {@code fullcost.py}'s stand-in, which computes the full
 * U-Net on every input and gives the shipped segmenter's masks, so the cropper and the full classifier get
 * real crops.
 */
final class E2eBenchmark {
  static final Path SHIPPED_SEGMENTER = Path.of("models/shipped/spine-seg-b0w025-256.json");
  static final Path SHIPPED_CLASSIFIER = Path.of("models/shipped/spine-cls-plainw025-96.json");
  static final Path FULL_DIR = Path.of("build/full");
  /** The full U-Net computed in full, masks from the shipped segmenter (models/spinestream_models/fullcost.py). */
  static final Path FULL_SEGMENTER = FULL_DIR.resolve("spine-seg-b0-320-bench.json");
  static final Path FULL_CLASSIFIER = FULL_DIR.resolve("spine-cls-v2s-224.json");
  static final List<String> SERVICES = List.of("producer", "segmenter", "cropper", "classifier");
  private static final String AE_TITLE = "SPINESTREAM";
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private E2eBenchmark() {}

  record Options(String models, int studies, Path segmenterCard, Path classifierCard, int matrix, long seed,
      long intervalMs, int partitions, Duration timeout, List<String> jvm, List<String> settings, Path work,
      Path results, String bootstrap, String registry, List<String> command) {

    static Options parse(List<String> args) {
      String models = "shipped";
      int studies = 4;
      Path segmenterCard = null;
      Path classifierCard = null;
      int matrix = 256;
      long seed = 7001;
      long intervalMs = 0;
      int partitions = 6;
      long timeoutS = 1800;
      List<String> jvm = List.of("-Xmx1g");
      List<String> settings = new ArrayList<>();
      Path results = Path.of("bench/results/e2e.md");
      Path work = Path.of("build/bench");
      for (int i = 0; i < args.size(); i += 2) {
        if (i + 1 >= args.size()) {
          throw new IllegalArgumentException("option " + args.get(i) + " needs a value");
        }
        String value = args.get(i + 1);
        switch (args.get(i)) {
          case "--models" -> models = value;
          case "--studies" -> studies = Integer.parseInt(value);
          case "--segmenter-card" -> segmenterCard = Path.of(value);
          case "--classifier-card" -> classifierCard = Path.of(value);
          case "--matrix" -> matrix = Integer.parseInt(value);
          case "--seed" -> seed = Long.parseLong(value);
          case "--interval-ms" -> intervalMs = Long.parseLong(value);
          case "--partitions" -> partitions = Integer.parseInt(value);
          case "--timeout-s" -> timeoutS = Long.parseLong(value);
          case "--jvm" -> jvm = List.of(value.trim().split("\\s+"));
          case "--set" -> settings.add("--" + value);
          case "--results" -> results = Path.of(value);
          case "--work" -> work = Path.of(value);
          default -> throw new IllegalArgumentException("unknown option " + args.get(i));
        }
      }
      if (!models.equals("shipped") && !models.equals("full")) {
        throw new IllegalArgumentException("--models is shipped or full, not " + models);
      }
      if (studies < 1 || partitions < 1 || intervalMs < 0 || timeoutS < 1) {
        throw new IllegalArgumentException("--studies and --partitions must be at least 1, --interval-ms at least 0");
      }
      boolean full = models.equals("full");
      segmenterCard = segmenterCard != null ? segmenterCard : full ? FULL_SEGMENTER : SHIPPED_SEGMENTER;
      classifierCard = classifierCard != null ? classifierCard : full ? FULL_CLASSIFIER : SHIPPED_CLASSIFIER;
      List<String> command = new ArrayList<>(List.of("./spine", "bench", "e2e"));
      command.addAll(args);
      String bootstrap = System.getenv().getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
      String registry = System.getenv().getOrDefault("REGISTRY_URL", "http://127.0.0.1:8081/apis/ccompat/v7");
      return new Options(models, studies, segmenterCard, classifierCard, matrix, seed, intervalMs, partitions,
          Duration.ofSeconds(timeoutS), jvm, List.copyOf(settings), work, results, bootstrap, registry,
          List.copyOf(command));
    }

    PhantomOptions phantom() {
      return PhantomOptions.defaults().withSeed(seed).withStudies(studies).withMatrix(matrix);
    }

    /** The settings given with --set for one service. */
    List<String> settingsOf(String service) {
      return settings.stream().filter(s -> s.startsWith("--" + service + ".") || !isServiceSetting(s)).toList();
    }

    private static boolean isServiceSetting(String flag) {
      return SERVICES.stream().anyMatch(s -> flag.startsWith("--" + s + "."));
    }
  }

  /** One study's measurements: epoch milliseconds from its StudyScore and its last manifest. */
  record StudyResult(String uid, int slices, long firstSliceMs, long lastSliceMs, long manifestMs, long scoredMs,
      int fallbacks, long sendStartMs, long sendEndMs) {
    double latencySeconds() {
      return (scoredMs - lastSliceMs) / 1000.0;
    }

    double completionWaitSeconds() {
      return (manifestMs - lastSliceMs) / 1000.0;
    }

    double stagesSeconds() {
      return (scoredMs - manifestMs) / 1000.0;
    }
  }

  static void run(List<String> args) throws Exception {
    Options options = Options.parse(args);
    if (options.models().equals("full")) {
      exportFullModelsIfMissing(options);
    }
    ModelCard segmenter = ModelCard.read(options.segmenterCard());
    ModelCard classifier = ModelCard.read(options.classifierCard());
    CropContract contract = CropContract.check(segmenter, classifier, options);
    requireStorescu();

    String loadBefore = ServiceBench.loadAverage();
    List<Study> studies = phantoms(options);
    String runId = "bench-e2e-" + options.models() + "-" + STAMP.format(Instant.now()) + "-"
        + UUID.randomUUID().toString().substring(0, 6);
    String prefix = runId + ".";
    Path runDir = options.work().resolve(runId);
    Map<String, ServiceJvm> jvms = new LinkedHashMap<>();
    List<Integer> ports = FreePorts.distinct(SERVICES.size() + 1);
    int dicomPort = ports.get(SERVICES.size());
    RssSampler sampler = null;
    System.err.printf("e2e benchmark %s: %d studies (%s models), services in %s%n", runId, studies.size(),
        options.models(), runDir);
    try {
      for (String service : SERVICES) {
        int httpPort = ports.get(SERVICES.indexOf(service));
        jvms.put(service, ServiceJvm.start(service, service, httpPort, options.jvm(),
            serviceArgs(service, options, prefix, runId, runDir, httpPort, dicomPort, contract),
            runDir.resolve("logs").resolve(service + ".log")));
      }
      sampler = new RssSampler(jvms.values().stream().collect(Collectors.toMap(ServiceJvm::name, ServiceJvm::pid,
          (a, b) -> a, LinkedHashMap::new)), 250);
      long startNanos = System.nanoTime();
      long deadline = startNanos + TimeUnit.SECONDS.toNanos(600);
      for (ServiceJvm jvm : jvms.values()) {
        jvm.awaitHealthy(deadline);
      }
      double startSeconds = (System.nanoTime() - startNanos) / 1e9;
      System.err.printf("services healthy after %.1f s; sending %d studies over C-STORE%n", startSeconds,
          studies.size());

      try (ScoreCollector collector = new ScoreCollector(options, prefix)) {
        long streamStart = System.nanoTime();
        Map<String, long[]> sendTimes = new LinkedHashMap<>();
        for (Study study : studies) {
          long sendStart = System.currentTimeMillis();
          storescu(study.directory(), dicomPort, runDir.resolve("logs/storescu.log"));
          sendTimes.put(study.uid(), new long[] {sendStart, System.currentTimeMillis()});
          requireAlive(jvms);
          if (options.intervalMs() > 0) {
            Thread.sleep(Math.max(0, sendStart + options.intervalMs() - System.currentTimeMillis()));
          }
        }
        long sendSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - streamStart);
        System.err.printf("sent in %d s; waiting for the scores%n", sendSeconds);
        Set<String> uids = sendTimes.keySet();
        long scoreDeadline = System.nanoTime() + options.timeout().toNanos();
        long nextNote = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!collector.scored(uids)) {
          requireAlive(jvms);
          if (System.nanoTime() > scoreDeadline) {
            throw new IllegalStateException("only " + collector.scoredCount(uids) + " of " + uids.size()
                + " studies scored within " + options.timeout().toSeconds() + " s (--timeout-s); logs in "
                + runDir.resolve("logs"));
          }
          if (System.nanoTime() > nextNote) {
            System.err.printf("  %d of %d studies scored%n", collector.scoredCount(uids), uids.size());
            nextNote = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
          }
          Thread.sleep(200);
        }
        long streamEnd = System.nanoTime();
        // A few more samples at rest after the last score, and time for a duplicate score to show.
        Thread.sleep(3000);
        sampler.sampleOnce();
        List<StudyResult> results = new ArrayList<>();
        for (Study study : studies) {
          StudyScore score = collector.score(study.uid());
          long[] sent = sendTimes.get(study.uid());
          long manifest = collector.manifestCompletedAt(study.uid());
          results.add(new StudyResult(study.uid(), study.slices(), score.getFirstSliceReceivedAt().toEpochMilli(),
              score.getLastSliceReceivedAt().toEpochMilli(), manifest, score.getScoredAt().toEpochMilli(),
              score.getFallbackVertebrae().size(), sent[0], sent[1]));
        }
        Map<String, RssSampler.Summary> memory = new LinkedHashMap<>();
        for (String service : SERVICES) {
          memory.put(service, sampler.summary(service, streamStart, streamEnd));
        }
        Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
        for (String service : List.of("segmenter", "classifier")) {
          metrics.put(service, PrometheusText.parse(jvms.get(service).get("/metrics")));
        }
        E2eReport report = new E2eReport(options, segmenter, classifier, contract, results, memory, metrics,
            collector.duplicates(), collector.deadLetters(), startSeconds, loadBefore);
        String section = report.section(ServiceBench.loadAverage());
        System.out.print(section);
        write(options.results(), section);
        System.err.println("appended to " + options.results());
      }
    } finally {
      if (sampler != null) {
        sampler.close();
      }
      for (ServiceJvm jvm : jvms.values()) {
        jvm.close();
      }
      deleteTopics(options, runId);
      ServiceBench.deleteRecursively(runDir.resolve("state"));
      ServiceBench.deleteRecursively(runDir.resolve("spool"));
    }
  }

  /** Flags of one service: the running stack, this run's topics and ids, its ports, the models. */
  static List<String> serviceArgs(String service, Options options, String prefix, String runId, Path runDir,
      int httpPort, int dicomPort, CropContract contract) {
    List<String> args = new ArrayList<>();
    if (service.equals("producer")) {
      args.addAll(List.of("serve", "--producer.scp.port=" + dicomPort, "--producer.scp.ae.title=" + AE_TITLE,
          "--producer.scp.spool.dir=" + runDir.resolve("spool"), "--producer.http.port=" + httpPort));
    } else {
      args.addAll(List.of("--" + service + ".http.port=" + httpPort,
          "--" + service + ".state.dir=" + runDir.resolve("state").resolve(service),
          "--" + service + ".application.id=" + runId + "-" + service));
    }
    args.addAll(List.of("--kafka.bootstrap.servers=" + options.bootstrap(), "--registry.url=" + options.registry(),
        "--topics.prefix=" + prefix, "--topics.partitions=" + options.partitions()));
    switch (service) {
      case "segmenter" -> args.add("--segmenter.model.card=" + options.segmenterCard());
      case "classifier" -> args.add("--classifier.model.card=" + options.classifierCard());
      case "cropper" -> args.addAll(List.of("--cropper.min.pixels=" + contract.minPixels(),
          "--cropper.margin.fraction=" + contract.marginFraction()));
      default -> { }
    }
    args.addAll(options.settingsOf(service));
    return args;
  }

  /**
   * The crop contract the classifier was trained with (its card's {@code crop}), which the cropper must apply
   * to masks of the size the segmenter makes.
   */
  record CropContract(int maskSize, int minPixels, String marginFraction) {
    static CropContract check(ModelCard segmenter, ModelCard classifier, Options options) {
      int segmenterSize = (int) segmenter.itemInputShape()[1];
      JsonNode crop = classifier.crop();
      if (crop == null || !crop.has("mask_size")) {
        throw new IllegalArgumentException(options.classifierCard() + " has no crop.mask_size");
      }
      int maskSize = crop.get("mask_size").asInt();
      if (maskSize != segmenterSize) {
        throw new IllegalArgumentException("the classifier " + classifier.id() + " was trained on crops from "
            + maskSize + "x" + maskSize + " masks (crop.mask_size in " + options.classifierCard() + "), the segmenter "
            + segmenter.id() + " makes " + segmenterSize + "x" + segmenterSize + ": pass matching cards");
      }
      return new CropContract(maskSize, crop.path("min_pixels").asInt(10),
          crop.path("margin_fraction").asText("0.125"));
    }
  }

  static void exportFullModelsIfMissing(Options options) throws IOException, InterruptedException {
    if (!Files.isRegularFile(FULL_CLASSIFIER) && options.classifierCard().equals(FULL_CLASSIFIER)) {
      python("spinestream_models.export", "--full");
    }
    if (!Files.isRegularFile(FULL_SEGMENTER) && options.segmenterCard().equals(FULL_SEGMENTER)) {
      python("spinestream_models.fullcost");
    }
  }

  private static void python(String module, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("/usr/bin/python3", "-m", module));
    command.addAll(List.of(args));
    command.addAll(List.of("--out", FULL_DIR.toAbsolutePath().toString()));
    System.err.println("exporting the full-size architectures (random weights): cd models && " + String.join(" ", command));
    Process export = new ProcessBuilder(command).directory(Path.of("models").toFile()).inheritIO().start();
    if (export.waitFor() != 0) {
      throw new IllegalStateException(module + " failed (exit " + export.exitValue() + ")");
    }
  }

  /** A phantom study on disk: its UID, its series folder and how many slices it has. */
  record Study(String uid, Path directory, int slices) {}

  /**
   * The phantom studies, written once per (matrix, seed, count) under the work folder and read back from
   * there (train.csv order) on later runs.
   */
  static List<Study> phantoms(Options options) throws IOException {
    Path dir = options.work().resolve("e2e-phantom-" + options.matrix() + "-seed" + options.seed() + "-"
        + options.studies());
    Path csv = dir.resolve(PhantomGenerator.TRAIN_CSV);
    if (!Files.isRegularFile(csv)) {
      System.err.printf("writing %d phantom studies (matrix %d, seed %d) to %s%n", options.studies(), options.matrix(),
          options.seed(), dir);
      ServiceBench.deleteRecursively(dir);
      PhantomGenerator.generate(options.phantom(), dir);
    }
    List<Study> studies = new ArrayList<>();
    for (String line : Files.readAllLines(csv).subList(1, Files.readAllLines(csv).size())) {
      if (line.isBlank()) {
        continue;
      }
      String uid = line.split(",")[0].trim();
      Path series = dir.resolve(PhantomGenerator.IMAGES_DIRECTORY).resolve(uid);
      try (var files = Files.walk(series)) {
        studies.add(new Study(uid, series, (int) files.filter(p -> p.toString().endsWith(".dcm")).count()));
      }
    }
    if (studies.size() != options.studies()) {
      throw new IllegalStateException(csv + " lists " + studies.size() + " studies, expected " + options.studies());
    }
    return studies;
  }

  private static void requireStorescu() throws IOException, InterruptedException {
    Process which = new ProcessBuilder("sh", "-c", "command -v storescu").start();
    if (which.waitFor() != 0) {
      throw new IllegalStateException("storescu (Debian package dcmtk) is missing: run ./spine setup");
    }
  }

  /** Sends one study as a scanner would: one association, every file, TCP_NODELAY as ./spine run does. */
  private static void storescu(Path series, int port, Path log) throws IOException, InterruptedException {
    Files.createDirectories(log.getParent());
    ProcessBuilder builder = new ProcessBuilder("storescu", "-aet", "SPINE_BENCH", "-aec", AE_TITLE, "+sd", "+r",
        "127.0.0.1", Integer.toString(port), series.toString()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    // Without TCP_NODELAY dcmtk's small PDUs wait on Nagle's algorithm and delayed ACKs (20x slower).
    builder.environment().put("TCP_NODELAY", "1");
    Process process = builder.start();
    if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IllegalStateException("storescu could not send " + series + " (log " + log + ")");
    }
  }

  private static void requireAlive(Map<String, ServiceJvm> jvms) {
    for (ServiceJvm jvm : jvms.values()) {
      if (!jvm.alive()) {
        throw new IllegalStateException(jvm.name() + " stopped during the benchmark:\n" + jvm.tail());
      }
    }
  }

  private static void deleteTopics(Options options, String runId) {
    Properties props = new Properties();
    props.put("bootstrap.servers", options.bootstrap());
    try (Admin admin = Admin.create(props)) {
      Set<String> mine = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
          .filter(name -> name.startsWith(runId)).collect(Collectors.toSet());
      if (!mine.isEmpty()) {
        admin.deleteTopics(mine).all().get(60, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      System.err.println("could not delete the run's topics (" + runId + "*): " + e.getMessage());
    }
  }

  private static void write(Path results, String section) throws IOException {
    Files.createDirectories(results.toAbsolutePath().getParent());
    if (!Files.exists(results)) {
      Files.writeString(results, E2eReport.HEADER);
    }
    Files.writeString(results, section, StandardOpenOption.APPEND);
  }

  /**
   * Reads the run's StudyScores, series manifests and dead letters as a downstream consumer does (committed
   * records only), in the background while the studies are sent.
   */
  static final class ScoreCollector implements AutoCloseable {
    private final Map<String, StudyScore> scores = new ConcurrentHashMap<>();
    private final Map<String, Long> manifests = new ConcurrentHashMap<>();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong deadLetters = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Exception failure;

    ScoreCollector(Options options, String prefix) {
      SchemaRegistryClient registry = new SchemaRegistryClient(RegistryClientConfig.fromMap(
          Map.of(RegistryClientConfig.URL, options.registry())));
      AvroDeserializer<StudyScore> scoreReader = new AvroDeserializer<>(StudyScore.class, registry);
      AvroDeserializer<SeriesManifest> manifestReader = new AvroDeserializer<>(SeriesManifest.class, registry);
      String scoresTopic = prefix + "spine.scores";
      String seriesTopic = prefix + "spine.series";
      String deadLetterTopic = prefix + "spine.dead-letters";
      Properties props = new Properties();
      props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrap());
      props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
      KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
          new ByteArrayDeserializer());
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : List.of(scoresTopic, seriesTopic, deadLetterTopic)) {
        consumer.partitionsFor(topic, Duration.ofSeconds(30))
            .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      thread = new Thread(() -> {
        try (consumer) {
          while (running) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
              if (record.topic().equals(scoresTopic)) {
                StudyScore score = scoreReader.deserialize(record.topic(), record.value());
                if (scores.putIfAbsent(score.getStudyInstanceUid(), score) != null) {
                  duplicates.incrementAndGet();
                }
              } else if (record.topic().equals(seriesTopic)) {
                SeriesManifest manifest = manifestReader.deserialize(record.topic(), record.value());
                manifests.merge(manifest.getStudyInstanceUid(), manifest.getCompletedAt().toEpochMilli(), Math::max);
              } else {
                deadLetters.incrementAndGet();
              }
            }
          }
        } catch (Exception e) {
          failure = e;
        }
      }, "e2e-scores");
      thread.setDaemon(true);
      thread.start();
    }

    boolean scored(Set<String> uids) {
      if (failure != null) {
        throw new IllegalStateException("reading the scores failed: " + failure, failure);
      }
      return uids.stream().allMatch(uid -> scores.containsKey(uid) && manifests.containsKey(uid));
    }

    long scoredCount(Set<String> uids) {
      return uids.stream().filter(scores::containsKey).count();
    }

    StudyScore score(String uid) {
      return scores.get(uid);
    }

    long manifestCompletedAt(String uid) {
      return manifests.get(uid);
    }

    long duplicates() {
      return duplicates.get();
    }

    long deadLetters() {
      return deadLetters.get();
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(5000);
    }
  }
}
