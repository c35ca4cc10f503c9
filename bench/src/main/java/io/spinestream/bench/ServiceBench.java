package io.spinestream.bench;

import io.spinestream.common.config.Settings;
import io.spinestream.common.inference.BatchingConfig;
import io.spinestream.common.inference.BatchingPredictor;
import io.spinestream.common.inference.DeviceChoice;
import io.spinestream.common.inference.EngineConfig;
import io.spinestream.common.inference.ModelCard;
import io.spinestream.common.inference.Tensor;
import io.spinestream.common.inference.TorchModel;
import io.spinestream.common.kafka.TopicAdmin;
import io.spinestream.events.CtSlice;
import io.spinestream.events.SeriesManifest;
import io.spinestream.phantom.PhantomGenerator;
import io.spinestream.phantom.PhantomOptions;
import io.spinestream.producer.ProducerMain;
import io.spinestream.schemas.Topic;
import io.spinestream.schemas.Topics;
import io.spinestream.schemas.registry.RegistryClientConfig;
import io.spinestream.schemas.registry.SchemaRegistryClient;
import io.spinestream.schemas.serde.AvroDeserializer;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What the service benchmarks ({@code bench segmenter}, {@code bench classifier}) share: their options,
 * phantom studies ingested by the producer into a fresh topic set, reading topics back, and timing a
 * service from the moment it is RUNNING to the moment its last output is read (committed, as a downstream
 * consumer sees it).
 */
final class ServiceBench {
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private ServiceBench() {}

  /**
   * The options of a service benchmark; the service's own settings get the same values
   * ({@code <service>.inference.threads}, {@code .inference.workers}, {@code .batch.size},
   * {@code .batch.max.delay.ms}), so both sides run the model alike.
   */
  record Options(String service, int studies, int matrix, long seed, int threads, int workers, int batch,
      Duration maxDelay, int repeat, int partitions, Path card, Path work, Path results, String bootstrap,
      String registry, String note, List<String> serviceSettings, List<String> command) {

    static Options parse(String service, Path defaultCard, int defaultStudies, List<String> args) {
      int studies = defaultStudies;
      int matrix = 256;
      long seed = 31;
      // The services' defaults: intra-op threads = cores, one worker, batches of 4 within 5 ms.
      int threads = Runtime.getRuntime().availableProcessors();
      int workers = 1;
      int batch = 4;
      long maxDelayMs = 5;
      int repeat = 3;
      int partitions = 6;
      Path card = defaultCard;
      Path work = Path.of("build/bench");
      Path results = Path.of("bench/results/" + service + "-service.md");
      String note = "";
      List<String> set = new ArrayList<>();
      for (int i = 0; i < args.size(); i += 2) {
        if (i + 1 >= args.size()) {
          throw new IllegalArgumentException("option " + args.get(i) + " needs a value");
        }
        String value = args.get(i + 1);
        switch (args.get(i)) {
          case "--studies" -> studies = Integer.parseInt(value);
          case "--matrix" -> matrix = Integer.parseInt(value);
          case "--seed" -> seed = Long.parseLong(value);
          case "--threads" -> threads = Integer.parseInt(value);
          case "--workers" -> workers = Integer.parseInt(value);
          case "--batch" -> batch = Integer.parseInt(value);
          case "--max-delay-ms" -> maxDelayMs = Long.parseLong(value);
          case "--repeat" -> repeat = Integer.parseInt(value);
          case "--partitions" -> partitions = Integer.parseInt(value);
          case "--card" -> card = Path.of(value);
          case "--work" -> work = Path.of(value);
          case "--results" -> results = Path.of(value);
          case "--note" -> note = value;
          case "--set" -> set.add("--" + value);
          default -> throw new IllegalArgumentException("unknown option " + args.get(i));
        }
      }
      if (studies < 1 || threads < 1 || workers < 1 || batch < 1 || repeat < 1 || partitions < 1 || maxDelayMs < 0) {
        throw new IllegalArgumentException("--studies, --threads, --workers, --batch, --repeat and --partitions must be"
            + " at least 1, --max-delay-ms at least 0");
      }
      if (!Files.isRegularFile(card)) {
        throw new IllegalArgumentException("model card " + card + " does not exist: pass --card PATH.json (the .pt"
            + " next to it)");
      }
      List<String> command = new ArrayList<>(List.of("bench", service));
      for (int i = 0; i < args.size(); i += 2) {
        // The note is printed with the results; it does not change what is measured.
        if (!args.get(i).equals("--note")) {
          command.addAll(args.subList(i, i + 2));
        }
      }
      String bootstrap = System.getenv().getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
      String registry = System.getenv().getOrDefault("REGISTRY_URL", "http://127.0.0.1:8081/apis/ccompat/v7");
      return new Options(service, studies, matrix, seed, threads, workers, batch, Duration.ofMillis(maxDelayMs),
          repeat, partitions, card, work, results, bootstrap, registry, note, List.copyOf(set), command);
    }

    PhantomOptions phantom() {
      return PhantomOptions.defaults().withStudies(studies).withSeed(seed).withMatrix(matrix);
    }

    /** The service's settings, as flags: the same model, threads and batching as the bare side. */
    List<String> serviceArgs(String runId, String sourcePrefix, String outputPrefix) {
      String s = service;
      List<String> args = new ArrayList<>(List.of("--kafka.bootstrap.servers=" + bootstrap,
          "--registry.url=" + registry,
          "--topics.source.prefix=" + sourcePrefix, "--topics.prefix=" + outputPrefix,
          "--topics.partitions=" + partitions,
          "--" + s + ".application.id=" + runId, "--" + s + ".state.dir=" + work.resolve("state").resolve(runId),
          "--" + s + ".model.card=" + card, "--" + s + ".device=cpu", "--" + s + ".inference.threads=" + threads,
          "--" + s + ".inference.workers=" + workers, "--" + s + ".batch.size=" + batch,
          "--" + s + ".batch.max.delay.ms=" + maxDelay.toMillis()));
      // --set KEY=VALUE: any other service setting (e.g. segmenter.punctuate.interval.ms=5), applied last.
      args.addAll(serviceSettings);
      return args;
    }
  }

  /**
   * How the service's stream loop ran (its defaults, or what the command's --set changed), for the results:
   * Kafka Streams' poll.ms, the punctuation interval, the batches in flight at the model, the commit interval.
   */
  static String loopSettings(Settings settings, String service) {
    Map<String, String> described = settings.describe();
    return String.format("poll %d ms, punctuation %d ms, %s batches in flight, commit interval %d ms",
        Duration.parse(described.get(service + ".poll.ms")).toMillis(),
        Duration.parse(described.get(service + ".punctuate.interval.ms")).toMillis(),
        described.get(service + ".inflight.batches"),
        Duration.parse(described.get(service + ".commit.interval.ms")).toMillis());
  }

  /** Stand-ins for the two required addresses, enough to read a service's default settings. */
  static final String[] PLACEHOLDER_ADDRESSES = {"--kafka.bootstrap.servers=127.0.0.1:9",
      "--registry.url=http://127.0.0.1:9"};

  /** The model card the service runs by default ({@code <service>.model.card} with nothing configured). */
  static Path defaultCard(String service, Settings defaults) {
    return Path.of(defaults.describe().get(service + ".model.card"));
  }

  /** A fresh, unique name stem for this run's topics, application ids and state. */
  static String runId(String service) {
    return "bench-" + service + "-" + STAMP.format(Instant.now()) + "-" + UUID.randomUUID().toString().substring(0, 6);
  }

  /** The phantom studies' DICOM folder, generated once per (matrix, seed, studies). */
  static Path phantoms(Options options) throws IOException {
    Path dir = options.work()
        .resolve("phantom-" + options.matrix() + "-seed" + options.seed() + "-" + options.studies());
    Path images = dir.resolve(PhantomGenerator.IMAGES_DIRECTORY);
    if (!Files.isDirectory(images)) {
      System.err.printf("generating %d phantom studies (matrix %d, seed %d) in %s%n", options.studies(),
          options.matrix(), options.seed(), dir);
      PhantomGenerator.generate(options.phantom(), dir);
    }
    return images;
  }

  /** Ingests the folder with the producer ({@code ingest}) into the topics under {@code prefix}. */
  static void ingest(Options options, Path images, String prefix) throws Exception {
    int code = ProducerMain.run(new String[] {"ingest", images.toString(),
        "--kafka.bootstrap.servers=" + options.bootstrap(), "--registry.url=" + options.registry(),
        "--topics.prefix=" + prefix, "--topics.partitions=" + options.partitions()}, Map.of());
    if (code != 0) {
      throw new IllegalStateException("producer ingest of " + images + " exited with " + code);
    }
  }

  static SchemaRegistryClient registry(Options options) {
    return new SchemaRegistryClient(RegistryClientConfig.fromMap(Map.of(RegistryClientConfig.URL, options.registry())));
  }

  static Properties adminProperties(Options options) {
    Properties props = new Properties();
    props.put("bootstrap.servers", options.bootstrap());
    return props;
  }

  /**
   * Deletes every topic of a benchmark run (input, outputs, the services' changelogs): a run writes hundreds of
   * megabytes that nothing reads again.
   */
  static void deleteTopics(Options options, String runId) {
    try (Admin admin = Admin.create(adminProperties(options))) {
      List<String> topics = admin.listTopics().names().get(60, TimeUnit.SECONDS).stream()
          .filter(name -> name.startsWith(runId)).toList();
      admin.deleteTopics(topics).all().get(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      System.err.println("could not delete the topics of " + runId + ": " + e.getMessage());
    }
  }

  /** Creates the topics (as the services would) so that they can be watched before the service starts. */
  static void createTopics(Options options, Collection<Topic<?>> topics) {
    TopicAdmin.ensureTopics(adminProperties(options), topics, options.partitions(), (short) 1, true);
  }

  private static KafkaConsumer<String, byte[]> consumer(Options options) {
    Properties props = adminProperties(options);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 * 1024 * 1024));
    props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(64 * 1024 * 1024));
    return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
  }

  private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
    return consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
        .map(p -> new TopicPartition(topic, p.partition())).toList();
  }

  /** Every committed record of a topic, from the beginning to its end now, decoded. */
  static <V extends SpecificRecord> List<V> readAll(Options options, SchemaRegistryClient registry, String topic,
      Class<V> type) {
    AvroDeserializer<V> values = new AvroDeserializer<>(type, registry);
    try (KafkaConsumer<String, byte[]> consumer = consumer(options)) {
      List<TopicPartition> partitions = partitions(consumer, topic);
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<V> out = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic + " to its end within 5 minutes");
        }
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          out.add(values.deserialize(topic, record.value()));
        }
      }
      return out;
    }
  }

  /**
   * Reads output topics from their beginning in the background (committed records only) and notes the
   * moment every topic has its expected number of records.
   */
  static final class OutputWatcher implements AutoCloseable {
    private final Map<String, Integer> expected;
    private final Map<String, List<byte[]>> received = new HashMap<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private final Thread thread;
    private final KafkaConsumer<String, byte[]> consumer;
    private volatile boolean stop;
    private volatile long doneNanos;
    private volatile long firstNanos;
    private volatile RuntimeException failure;

    /** {@code expected}: topic name to the count that means "done"; a count of 0 only collects. */
    OutputWatcher(Options options, Map<String, Integer> expected) {
      this.expected = Map.copyOf(expected);
      this.consumer = consumer(options);
      List<TopicPartition> all = new ArrayList<>();
      expected.keySet().forEach(topic -> {
        all.addAll(partitions(consumer, topic));
        received.put(topic, new ArrayList<>());
      });
      consumer.assign(all);
      consumer.seekToBeginning(all);
      all.forEach(consumer::position);
      thread = new Thread(this::poll, "bench-output-watcher");
      thread.setDaemon(true);
      thread.start();
    }

    private void poll() {
      try {
        while (!stop) {
          var records = consumer.poll(Duration.ofMillis(20));
          long now = System.nanoTime();
          synchronized (received) {
            if (firstNanos == 0 && records.count() > 0) {
              firstNanos = now;
            }
            records.forEach(r -> received.get(r.topic()).add(r.value()));
            if (done.getCount() > 0 && expected.entrySet().stream()
                .allMatch(e -> received.get(e.getKey()).size() >= e.getValue())) {
              doneNanos = now;
              done.countDown();
            }
          }
        }
      } catch (RuntimeException e) {
        failure = e;
        done.countDown();
      } finally {
        consumer.close();
      }
    }

    /**
     * Waits until every topic has its expected count; returns {@link System#nanoTime()} of the poll that
     * completed it. {@code alive} is asked every second and says why the wait is hopeless (or null).
     */
    long await(Duration timeout, Supplier<String> alive) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!done.await(1, TimeUnit.SECONDS)) {
        String dead = alive.get();
        if (dead != null) {
          throw new IllegalStateException(dead + "; received so far: " + counts());
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("outputs incomplete after " + timeout.toSeconds() + " s: " + counts()
              + ", expected " + expected);
        }
      }
      if (failure != null) {
        throw failure;
      }
      return doneNanos;
    }

    /** {@link System#nanoTime()} of the poll that brought the first output record, 0 if none came. */
    long firstNanos() {
      return firstNanos;
    }

    Map<String, Integer> counts() {
      synchronized (received) {
        Map<String, Integer> counts = new HashMap<>();
        received.forEach((topic, values) -> counts.put(topic, values.size()));
        return counts;
      }
    }

    <V extends SpecificRecord> List<V> values(String topic, Class<V> type, SchemaRegistryClient registry) {
      AvroDeserializer<V> values = new AvroDeserializer<>(type, registry);
      synchronized (received) {
        return received.get(topic).stream().map(bytes -> values.deserialize(topic, bytes)).toList();
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      thread.join(TimeUnit.SECONDS.toMillis(10));
    }
  }

  /** What the card says about preparing the model's input: size, HU window, per-channel normalisation. */
  record Prep(int height, int width, float huLow, float huHigh, float[] mean, float[] std) {
    static Prep of(ModelCard card) {
      long[] item = card.itemInputShape();
      var pre = card.preprocessing();
      return new Prep((int) item[item.length - 2], (int) item[item.length - 1], pre.huWindow().get(0).floatValue(),
          pre.huWindow().get(1).floatValue(), pre.meanValues(), pre.stdValues());
    }

    /** Writes {@code (v - mean[c]) / std[c]} of a windowed, resized channel at {@code offset}. */
    void normalise(float[] windowed, int channel, float[] out, int offset) {
      float m = mean[channel];
      float s = std[channel];
      for (int p = 0; p < windowed.length; p++) {
        out[offset + p] = (windowed[p] - m) / s;
      }
    }
  }

  /** The little-endian int16 pixels of a CtSlice as Hounsfield units. */
  static short[] hounsfield(CtSlice slice) {
    short[] hu = new short[slice.getRows() * slice.getColumns()];
    slice.getPixels().duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(hu);
    return hu;
  }

  /**
   * The bare model: the card's TorchScript file through the shared runtime ({@link TorchModel},
   * {@link BatchingPredictor}) with the benchmark's threads, workers and batching, as the service builds it.
   */
  static final class BareModel implements AutoCloseable {
    final TorchModel model;
    final BatchingPredictor predictor;
    final long[] itemShape;

    BareModel(Options options, String task) {
      model = TorchModel.load(options.card(), task, new EngineConfig(DeviceChoice.CPU, options.threads(), 1, null));
      try {
        predictor = BatchingPredictor.start(model, new BatchingConfig(options.workers(), options.batch(),
            options.maxDelay(), options.batch() * 8));
      } catch (RuntimeException e) {
        model.close();
        throw e;
      }
      itemShape = model.card().itemInputShape();
    }

    /**
     * Model only: every input submitted at once (the queue's backpressure paces the submitter), so the
     * workers run full batches back to back. Returns the seconds until the last output is there.
     */
    double modelOnlySeconds(List<float[]> inputs) throws InterruptedException {
      CountDownLatch outstanding = new CountDownLatch(inputs.size());
      AtomicReference<Throwable> failure = new AtomicReference<>();
      long start = System.nanoTime();
      for (float[] input : inputs) {
        // The outputs are dropped as they come: holding hundreds of 9x160x160 logit maps would only measure GC.
        predictor.submit(new Tensor(input, itemShape)).whenComplete((output, error) -> {
          if (error != null) {
            failure.compareAndSet(null, error);
          }
          outstanding.countDown();
        });
      }
      outstanding.await();
      double seconds = (System.nanoTime() - start) / 1e9;
      if (failure.get() != null) {
        throw new IllegalStateException("bare model failed: " + failure.get(), failure.get());
      }
      return seconds;
    }

    /** One synchronous batch, as the services' punctuators run it: submit all, wait for all, in order. */
    List<Tensor> run(List<float[]> inputs) throws InterruptedException, ExecutionException {
      List<CompletableFuture<Tensor>> pending = new ArrayList<>(inputs.size());
      for (float[] input : inputs) {
        pending.add(predictor.submit(new Tensor(input, itemShape)));
      }
      List<Tensor> outputs = new ArrayList<>(inputs.size());
      for (CompletableFuture<Tensor> future : pending) {
        outputs.add(future.get());
      }
      return outputs;
    }

    @Override
    public void close() {
      predictor.close();
      model.close();
    }
  }

  /**
   * Notes when a consumer group (a Kafka Streams application id) first becomes STABLE with partitions assigned:
   * the moment its rebalance is over and its tasks may process. A Streams client reports RUNNING only once
   * every task is ready, and tasks may process before that, so timing from RUNNING would flatter the service;
   * timing from here charges it the task set-up after the rebalance (state stores opened, empty changelogs
   * checked) but not the model load, the warm-up or the broker's initial rebalance delay.
   */
  static final class GroupWatcher implements AutoCloseable {
    private final Admin admin;
    private final String groupId;
    private final Thread thread;
    private volatile boolean stop;
    private volatile long stableNanos;

    GroupWatcher(Options options, String groupId) {
      this.admin = Admin.create(adminProperties(options));
      this.groupId = groupId;
      thread = new Thread(this::poll, "bench-group-watcher");
      thread.setDaemon(true);
      thread.start();
    }

    private void poll() {
      while (!stop && stableNanos == 0) {
        try {
          ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(groupId)).describedGroups()
              .get(groupId).get(5, TimeUnit.SECONDS);
          if (group.groupState() == GroupState.STABLE
              && group.members().stream().anyMatch(m -> !m.assignment().topicPartitions().isEmpty())) {
            stableNanos = System.nanoTime();
            return;
          }
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
          // the group does not exist yet, or the broker is busy: ask again
          try {
            Thread.sleep(10);
          } catch (InterruptedException interrupted) {
            return;
          }
        }
      }
    }

    /** {@link System#nanoTime()} when the group was first stable with an assignment; waits up to 10 s more. */
    long stableNanos() throws InterruptedException {
      thread.join(TimeUnit.SECONDS.toMillis(10));
      if (stableNanos == 0) {
        throw new IllegalStateException("consumer group " + groupId + " was never seen stable with an assignment");
      }
      return stableNanos;
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      thread.join(TimeUnit.SECONDS.toMillis(10));
      admin.close();
    }
  }

  /** One series in z order (the manifest's) with its slices. */
  record Series(SeriesManifest manifest, List<CtSlice> slices) {}

  /** The phantom studies of a benchmark run, ingested into the topics under {@code input}. */
  record Ingested(String runId, String input, SchemaRegistryClient registry, List<Series> series, String loadBefore) {
    int slices() {
      return series.stream().mapToInt(s -> s.slices().size()).sum();
    }
  }

  /** What a service benchmark does with the ingested studies. */
  interface Body {
    void run(Ingested ingested) throws Exception;
  }

  /**
   * The frame of a service benchmark run: notes the load, ingests the phantom studies with the producer into a
   * fresh topic set, reads them back grouped by series, runs {@code body}, and deletes every topic of the run
   * whatever happens.
   */
  static void withIngestedStudies(Options options, Body body) throws Exception {
    String load = loadAverage();
    String runId = runId(options.service());
    try {
      String input = runId + ".";
      ingest(options, phantoms(options), input);
      SchemaRegistryClient registry = registry(options);
      body.run(new Ingested(runId, input, registry, load(options, registry, input), load));
    } finally {
      deleteTopics(options, runId);
    }
  }

  /** The ingested slices and manifests, grouped by series in the manifests' z order. */
  static List<Series> load(Options options, SchemaRegistryClient registry, String prefix) {
    Map<String, CtSlice> bySop = new HashMap<>();
    for (CtSlice slice : readAll(options, registry, prefix + Topics.SLICES.name(), CtSlice.class)) {
      bySop.put(slice.getSopInstanceUid(), slice);
    }
    Map<String, SeriesManifest> manifests = new LinkedHashMap<>();
    for (SeriesManifest m : readAll(options, registry, prefix + Topics.SERIES.name(), SeriesManifest.class)) {
      manifests.put(m.getSeriesInstanceUid(), m);
    }
    List<Series> series = new ArrayList<>();
    for (SeriesManifest m : manifests.values()) {
      List<CtSlice> slices = m.getSopInstanceUids().stream().map(sop -> {
        CtSlice slice = bySop.get(sop);
        if (slice == null) {
          throw new IllegalStateException("slice " + sop + " of manifest " + m.getSeriesInstanceUid() + " is missing");
        }
        return slice;
      }).toList();
      series.add(new Series(m, slices));
    }
    if (series.size() != options.studies()) {
      throw new IllegalStateException("expected " + options.studies() + " series on " + prefix + "*, found "
          + series.size());
    }
    return series;
  }

  /** The heading of a results section: when, the machine, the load before and after, the note. */
  static String heading(Options options, String loadBefore) {
    return String.format("%n### %s — %d cores, Java %s, load average before %s, after %s%s%n%n", Instant.now(),
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), loadBefore, loadAverage(),
        options.note().isEmpty() ? "" : "; " + options.note());
  }

  /** How both sides ran the model and how the service ran, for a results section. */
  static String setup(Options options, Settings serviceSettings, int rounds) {
    return String.format("Inference: %d intra-op threads, %d worker, batch %d, max delay %d ms; service: 1 stream"
            + " thread, %d partitions, exactly-once v2, %s; other settings at the service's defaults unless the"
            + " command's --set says otherwise. Median of %d rounds.", options.threads(), options.workers(),
        options.batch(), options.maxDelay().toMillis(), options.partitions(),
        loopSettings(serviceSettings, options.service()), rounds);
  }

  /** "Rounds (legend): a; b; c." */
  static String roundsLine(String legend, List<String> rounds) {
    return "Rounds (" + legend + "): " + String.join("; ", rounds) + String.format(".%n");
  }

  /**
   * Prints a results section and appends it to the results file, which starts with {@code introduction} (the
   * method) when it is new.
   */
  static void publish(Options options, String introduction, CharSequence section) throws IOException {
    System.out.print(section);
    Files.createDirectories(options.results().toAbsolutePath().getParent());
    if (!Files.exists(options.results())) {
      Files.writeString(options.results(), introduction);
    }
    Files.writeString(options.results(), section, StandardOpenOption.APPEND);
  }

  /** One timed measurement of a round. */
  interface Step {
    void run() throws Exception;
  }

  /**
   * Runs a round's measurements, starting with a different one each round: on these shared machines the
   * seconds after heavy Kafka traffic (broker flushes, page-cache writeback) are slower, and no path should
   * always get them.
   */
  static void runRotated(List<Step> steps, int round) throws Exception {
    for (int i = 0; i < steps.size(); i++) {
      steps.get((i + round - 1) % steps.size()).run();
    }
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** The 1-, 5- and 15-minute load averages, to say how busy the machine was. */
  static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(path -> {
        try {
          Files.delete(path);
        } catch (IOException e) {
          // state of a finished benchmark run: leaving a file behind is harmless
        }
      });
    } catch (IOException e) {
      // same
    }
  }
}
