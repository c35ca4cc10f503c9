package io.spinestream.bench;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.spinestream.common.config.Settings;
import io.spinestream.phantom.PhantomGenerator;
import io.spinestream.phantom.PhantomOptions;
import io.spinestream.producer.ProducerMain;
import io.spinestream.producer.dicom.DicomLimits;
import io.spinestream.producer.dicom.DicomReadResult;
import io.spinestream.producer.dicom.DicomReader;
import io.spinestream.producer.ingest.FileIngestion;
import io.spinestream.producer.ingest.IngestSummary;
import io.spinestream.producer.ingest.IngestionPipeline;
import io.spinestream.producer.ingest.ProducerMetrics;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Producer ingest rate, slices per second into Kafka (acknowledged), from files and over C-STORE, for
 * uncompressed and JPEG-lossless 512x512 CT, each as a ratio to decoding the same files with the same
 * number of threads in the same run (decode only: read and convert to Hounsfield units, nothing sent).
 */
final class IngestBenchmark {
  private IngestBenchmark() {}

  record Row(String encoding, String path, int slices, double seconds, double decodeOnlyRate) {
    double rate() {
      return slices / seconds;
    }

    double ratio() {
      return rate() / decodeOnlyRate;
    }
  }

  /** Every row is the median of this many runs: single short runs vary by a factor of 3 on this machine. */
  private static final int REPETITIONS = 3;

  static void run(BenchmarkMain.Options options) throws Exception {
    String loadBefore = ServiceBench.loadAverage();
    Path uncompressed = phantom(options);
    Path lossless = options.work().resolve("jpeg-lossless-sv1");
    encodeOnce(uncompressed, lossless);
    List<Row> rows = new ArrayList<>();
    for (var encoding : List.of(Map.entry("explicit VR little endian", uncompressed),
        Map.entry("JPEG lossless SV1 (dcmcjpeg)", lossless))) {
      Path folder = encoding.getValue();
      List<Path> files = files(folder);
      int n = files.size();
      // Warm-up: JIT of decoding and of the Avro, zstd and Kafka client paths; page cache.
      decodeOnly(files, options.threads());
      fromFiles(options, folder);
      double decode = median(() -> decodeOnly(files, options.threads()));
      double decodeRate = n / decode;
      rows.add(new Row(encoding.getKey(), "decode only (baseline)", n, decode, decodeRate));
      rows.add(new Row(encoding.getKey(), "files -> Kafka (zstd level 1, the default)", n,
          median(() -> fromFiles(options, folder)), decodeRate));
      rows.add(new Row(encoding.getKey(), "files -> Kafka, no compression (reference)", n,
          median(() -> fromFiles(options, folder, "--kafka.compression.type=none")), decodeRate));
      rows.add(new Row(encoding.getKey(), "C-STORE dcmsend -> dcmtk storescp, to disk only (reference)", n,
          median(() -> toStorescp(options, folder)), decodeRate));
      rows.add(new Row(encoding.getKey(), "C-STORE dcmsend -> Kafka", n,
          median(() -> overCStore(options, folder, n)), decodeRate));
    }
    report(options, rows, loadBefore);
  }

  interface Measurement {
    double seconds() throws Exception;
  }

  private static double median(Measurement measurement) throws Exception {
    double[] runs = new double[REPETITIONS];
    for (int i = 0; i < REPETITIONS; i++) {
      runs[i] = measurement.seconds();
    }
    java.util.Arrays.sort(runs);
    return runs[REPETITIONS / 2];
  }

  /** DCMTK waits on Nagle's algorithm and delayed ACKs unless told not to (its TCP_NODELAY variable). */
  private static ProcessBuilder dcmtk(String... command) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("TCP_NODELAY", "1");
    return builder;
  }

  private static Path phantom(BenchmarkMain.Options options) throws IOException {
    Path dir = options.work().resolve("phantom-512-" + options.slices());
    Path images = dir.resolve("train_images");
    if (!Files.isDirectory(images)) {
      PhantomGenerator.generate(PhantomOptions.defaults().withStudies(1).withSeed(2022).withMatrix(512)
          .withSlices(options.slices()), dir);
    }
    return images;
  }

  private static void encodeOnce(Path source, Path target) throws IOException, InterruptedException {
    if (Files.isDirectory(target) && files(target).size() == files(source).size()) {
      return;
    }
    for (Path file : files(source)) {
      Path out = target.resolve(source.relativize(file));
      Files.createDirectories(out.getParent());
      Process process = new ProcessBuilder("dcmcjpeg", "+e1", file.toString(), out.toString()).inheritIO().start();
      if (process.waitFor() != 0) {
        throw new IOException("dcmcjpeg failed on " + file);
      }
    }
  }

  private static double decodeOnly(List<Path> files, int threads) throws Exception {
    DicomReader reader = new DicomReader(DicomLimits.DEFAULT);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long start = System.nanoTime();
    List<Future<DicomReadResult>> results = new ArrayList<>();
    for (Path file : files) {
      results.add(pool.submit(() -> reader.read(file)));
    }
    for (Future<DicomReadResult> result : results) {
      if (!(result.get() instanceof DicomReadResult.Image)) {
        throw new IllegalStateException("benchmark input is not a CT image: " + result.get());
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    return seconds;
  }

  private static String[] args(BenchmarkMain.Options options, String prefix, String... more) {
    List<String> args = new ArrayList<>(List.of("--kafka.bootstrap.servers=" + options.bootstrap(),
        "--registry.url=" + options.registry(), "--topics.prefix=" + prefix,
        "--producer.decode.threads=" + options.threads()));
    args.addAll(List.of(more));
    // Extra producer settings for experiments, e.g. SPINE_BENCH_FLAGS="--kafka.compression.type=lz4".
    String extra = System.getenv().getOrDefault("SPINE_BENCH_FLAGS", "").trim();
    if (!extra.isEmpty()) {
      args.addAll(List.of(extra.split("\\s+")));
    }
    return args.toArray(String[]::new);
  }

  private static double fromFiles(BenchmarkMain.Options options, Path folder, String... flags) throws Exception {
    Settings settings = ProducerMain.settings(Map.of(), args(options, prefix("files"), flags));
    ProducerMetrics metrics = new ProducerMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    try (IngestionPipeline pipeline = ProducerMain.pipeline(settings, metrics)) {
      long start = System.nanoTime();
      IngestSummary summary = new FileIngestion(pipeline).ingest(List.of(folder));
      double seconds = (System.nanoTime() - start) / 1e9;
      if (!summary.complete()) {
        throw new IllegalStateException("ingest incomplete: " + summary);
      }
      return seconds;
    }
  }

  private static double overCStore(BenchmarkMain.Options options, Path folder, int expected) throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path spool = options.work().resolve("spool-" + UUID.randomUUID());
    Settings settings = ProducerMain.settings(Map.of(), args(options, prefix("cstore"), "serve",
        "--producer.scp.port=" + port, "--producer.scp.spool.dir=" + spool, "--producer.poll.interval.ms=50"));
    try (ProducerMain.Serving serving = ProducerMain.startServing(settings)) {
      long start = System.nanoTime();
      Process send = dcmtk("dcmsend", "-aec", "SPINESTREAM", "-dn", "127.0.0.1", String.valueOf(port),
          "+sd", "+r", folder.toString()).start();
      String output = new String(send.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (send.waitFor() != 0) {
        throw new IOException("dcmsend failed: " + output);
      }
      while (serving.metrics().total("spine.producer.slices.sent", null, null) < expected) {
        if ((System.nanoTime() - start) / 1e9 > 600) {
          throw new IllegalStateException("C-STORE ingest did not finish in 10 minutes");
        }
        Thread.sleep(5);
      }
      return (System.nanoTime() - start) / 1e9;
    }
  }

  /** dcmtk's own receiver writing the objects to disk: what the sender and the network alone allow. */
  private static double toStorescp(BenchmarkMain.Options options, Path folder) throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path out = Files.createDirectories(options.work().resolve("storescp-" + UUID.randomUUID()));
    Process receiver = dcmtk("storescp", "-aet", "SPINESTREAM", "+xa", "-od", out.toString(),
        String.valueOf(port)).start();
    try {
      Thread.sleep(500);
      long start = System.nanoTime();
      Process send = dcmtk("dcmsend", "-aec", "SPINESTREAM", "-dn", "127.0.0.1", String.valueOf(port),
          "+sd", "+r", folder.toString()).start();
      String output = new String(send.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (send.waitFor() != 0) {
        throw new IOException("dcmsend to storescp failed: " + output);
      }
      return (System.nanoTime() - start) / 1e9;
    } finally {
      receiver.destroy();
      receiver.waitFor();
    }
  }

  private static String prefix(String path) {
    return "bench-" + UUID.randomUUID().toString().substring(0, 8) + "-" + path + ".";
  }

  private static List<Path> files(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).sorted().toList();
    }
  }

  private static void report(BenchmarkMain.Options options, List<Row> rows, String loadBefore) throws IOException {
    StringBuilder table = new StringBuilder();
    table.append(String.format("%n### %s — %d cores, %d decode threads, Java %s, load average before %s, after %s%n%n"
        + "Command: `./spine bench producer --slices %d --threads %d`.%n%n", Instant.now(),
        Runtime.getRuntime().availableProcessors(), options.threads(), System.getProperty("java.version"), loadBefore,
        ServiceBench.loadAverage(), options.slices(), options.threads()));
    table.append("| input | path | slices | seconds | slices/s | ratio to decode only |\n|---|---|---|---|---|---|\n");
    for (Row row : rows) {
      table.append(String.format("| %s | %s | %d | %.2f | %.1f | %.2f |%n", row.encoding(), row.path(), row.slices(),
          row.seconds(), row.rate(), row.ratio()));
    }
    System.out.print(table);
    Files.createDirectories(options.results().toAbsolutePath().getParent());
    if (!Files.exists(options.results())) {
      Files.writeString(options.results(), "# Producer ingest benchmark\n\nReproduce: `./spine bench producer"
          + " --slices " + options.slices() + "` (starts the development stack if needed). 512x512 phantom CT slices;"
          + " rates count slices acknowledged by Kafka (acks=all) on the local single-node broker, which shares the"
          + " machine's cores; the ratio divides by decoding the same files with the same threads in the same run."
          + " Reference rows isolate costs: no compression, and dcmtk's storescp as a receive-only C-STORE peer.\n");
    }
    Files.writeString(options.results(), table, java.nio.file.StandardOpenOption.APPEND);
  }
}
