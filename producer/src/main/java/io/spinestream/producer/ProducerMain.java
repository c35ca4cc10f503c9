package io.spinestream.producer;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.spinestream.common.config.ConfigException;
import io.spinestream.common.config.Settings;
import io.spinestream.common.http.ServiceHttpServer;
import io.spinestream.common.kafka.KafkaSettings;
import io.spinestream.common.kafka.SchemaCheck;
import io.spinestream.common.kafka.TopicAdmin;
import io.spinestream.producer.assembly.SeriesAssembler;
import io.spinestream.producer.dicom.DicomLimits;
import io.spinestream.producer.dicom.DicomReader;
import io.spinestream.producer.dicom.RejectionReason;
import io.spinestream.producer.ingest.ArchivingDisposition;
import io.spinestream.producer.ingest.CStoreReceiver;
import io.spinestream.producer.ingest.FileIngestion;
import io.spinestream.producer.ingest.InboxWatcher;
import io.spinestream.producer.ingest.IngestSummary;
import io.spinestream.producer.ingest.IngestionPipeline;
import io.spinestream.producer.ingest.OutputTopics;
import io.spinestream.producer.ingest.ProducerMetrics;
import io.spinestream.producer.ingest.ServeMode;
import io.spinestream.producer.network.DicomListener;
import io.spinestream.producer.publish.EventPublisher;
import io.spinestream.schemas.Topic;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer service.
 *
 * <pre>
 *   producer ingest PATH...   one-shot: DICOM files and folders (recursive); exits when all is in Kafka
 *   producer serve            watch producer.inbox.dir and/or receive C-STORE on producer.scp.port
 *   producer topics           create the topics and register the schemas, then exit
 * </pre>
 *
 * Settings come from defaults, {@code --config FILE}, environment variables and {@code --key=value}
 * flags (see {@link ProducerSettings}). Exit codes: 0 done, 1 failed, 2 bad usage or configuration,
 * 3 ingestion finished but something did not reach Kafka.
 */
public final class ProducerMain {
  private static final Logger LOG = LoggerFactory.getLogger(ProducerMain.class);

  private ProducerMain() {}

  public static void main(String[] args) {
    int code;
    try {
      code = run(args, System.getenv());
    } catch (ConfigException e) {
      LOG.error("producer cannot start: {}", e.getMessage());
      code = 2;
    } catch (Exception e) {
      LOG.error("producer failed: {}", e.getMessage(), e);
      code = 1;
    }
    System.exit(code);
  }

  public static int run(String[] args, Map<String, String> environment) throws Exception {
    Settings settings = settings(environment, args);
    List<String> words = settings.arguments();
    String command = words.isEmpty() ? "" : words.get(0);
    switch (command) {
      case "ingest" -> {
        if (words.size() < 2) {
          throw new ConfigException(List.of("ingest needs at least one file or folder"));
        }
        return ingest(settings, words.subList(1, words.size()).stream().map(Path::of).toList());
      }
      case "serve" -> {
        return serve(settings);
      }
      case "topics" -> {
        prepareKafka(new KafkaSettings(settings));
        return 0;
      }
      default -> throw new ConfigException(List.of("usage: producer ingest PATH... | serve | topics "
          + "[--config FILE] [--key=value ...]; got '" + String.join(" ", words) + "'"));
    }
  }

  private static void prepareKafka(KafkaSettings kafka) {
    List<Topic<?>> outputs = OutputTopics.of(kafka).all();
    TopicAdmin.ensureTopics(kafka.clientProperties(), outputs, kafka.partitions(), kafka.replicationFactor(),
        kafka.createTopics());
    SchemaCheck.registerValueSchemas(kafka.registryClient(), outputs);
  }

  /** The input size limits; a decoding budget smaller than the largest file could never read that file. */
  static DicomLimits limits(Settings settings) {
    int maxFile = settings.get(ProducerSettings.MAX_FILE_MB);
    int budget = settings.get(ProducerSettings.DECODE_MAX_MB);
    if (budget < maxFile) {
      throw new ConfigException(List.of("producer.decode.max.mb (" + budget + ") must be at least producer.max.file.mb ("
          + maxFile + "): raise PRODUCER_DECODE_MAX_MB or lower PRODUCER_MAX_FILE_MB"));
    }
    return new DicomLimits(maxFile * 1024L * 1024L, settings.get(ProducerSettings.MAX_ROWS),
        settings.get(ProducerSettings.MAX_COLUMNS), budget * 1024L * 1024L);
  }

  /** Everything ingestion needs, wired; the caller owns (closes) the pipeline. */
  public static IngestionPipeline pipeline(Settings settings, ProducerMetrics metrics) {
    DicomLimits limits = limits(settings);
    KafkaSettings kafka = new KafkaSettings(settings);
    prepareKafka(kafka);
    OutputTopics topics = OutputTopics.of(kafka);
    int maxRequest = topics.all().stream().mapToInt(Topic::maxMessageBytes).max().orElseThrow();
    EventPublisher publisher = new EventPublisher(kafka.producerProperties("spine-producer", maxRequest),
        kafka.registryClient(), kafka.registryConfig());
    publisher.bindMetrics(metrics.registry());
    DicomReader reader = new DicomReader(limits);
    SeriesAssembler assembler = new SeriesAssembler(Clock.systemUTC(), settings.get(ProducerSettings.RETENTION));
    return new IngestionPipeline(reader, assembler, publisher, topics, metrics, Clock.systemUTC(),
        settings.get(ProducerSettings.DECODE_THREADS));
  }

  private static int ingest(Settings settings, List<Path> paths) throws InterruptedException {
    ProducerMetrics metrics = new ProducerMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    IngestSummary summary;
    try (IngestionPipeline pipeline = pipeline(settings, metrics)) {
      summary = new FileIngestion(pipeline).ingest(paths);
    }
    if (!summary.complete()) {
      LOG.error("not everything reached Kafka: {}. Run the same ingest again; slices already sent are "
          + "de-duplicated downstream.", summary);
      return 3;
    }
    return 0;
  }

  private static int serve(Settings settings) throws Exception {
    Serving serving = startServing(settings);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping producer");
      serving.close();
      stopped.countDown();
    }, "producer-shutdown"));
    LOG.info("producer serving");
    stopped.await();
    return 0;
  }

  /** A running {@code serve}: close to stop it. */
  public record Serving(ServeMode serve, ServiceHttpServer http, ProducerMetrics metrics) implements AutoCloseable {
    @Override
    public void close() {
      try {
        serve.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (http != null) {
        http.close();
      }
    }
  }

  /** Starts serving as configured (inbox and/or C-STORE, optional /health and /metrics). */
  public static Serving startServing(Settings settings) throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ProducerMetrics metrics = new ProducerMetrics(registry);
    IngestionPipeline pipeline = pipeline(settings, metrics);
    InboxWatcher inbox = null;
    Path inboxDir = settings.get(ProducerSettings.INBOX_DIR);
    if (inboxDir != null) {
      Path archive = settings.get(ProducerSettings.INBOX_ARCHIVE_DIR);
      if (archive == null) {
        archive = inboxDir.toAbsolutePath().resolveSibling(inboxDir.getFileName() + "-archive");
      }
      inbox = new InboxWatcher(pipeline, inboxDir,
          new ArchivingDisposition(inboxDir, archive, settings.get(ProducerSettings.INBOX_DELETE_DONE)),
          settings.get(ProducerSettings.INBOX_STABLE), Clock.systemUTC());
      LOG.info("watching inbox {} (archive {})", inboxDir.toAbsolutePath(), archive);
    }
    CStoreReceiver receiver = null;
    Integer port = settings.get(ProducerSettings.SCP_PORT);
    if (port != null) {
      Path spool = settings.get(ProducerSettings.SCP_SPOOL_DIR);
      Path failed = settings.get(ProducerSettings.SCP_FAILED_DIR);
      if (failed == null) {
        failed = spool.toAbsolutePath().resolveSibling(spool.getFileName() + "-archive");
      }
      long maxObjectBytes = settings.get(ProducerSettings.MAX_FILE_MB) * 1024L * 1024L;
      DicomListener.Limits limits = new DicomListener.Limits(
          ProducerSettings.allowedCallingAeTitles(settings.get(ProducerSettings.SCP_ALLOWED_CALLING_AE_TITLES)),
          settings.get(ProducerSettings.SCP_MAX_ASSOCIATIONS), MAX_PDU_BYTES, maxObjectBytes);
      receiver = new CStoreReceiver(pipeline, port, settings.get(ProducerSettings.SCP_AE_TITLE), spool, failed, limits,
          networkEvents(pipeline, metrics));
    }
    if (inbox == null && receiver == null) {
      pipeline.close();
      throw new ConfigException(List.of("serve needs producer.inbox.dir or producer.scp.port (or both)"));
    }
    ServeMode serve = new ServeMode(pipeline, inbox, receiver, settings.get(ProducerSettings.INACTIVITY),
        settings.get(ProducerSettings.POLL));
    ServiceHttpServer http = null;
    Integer httpPort = settings.get(ProducerSettings.HTTP_PORT);
    if (httpPort != null) {
      http = new ServiceHttpServer(settings.get(ProducerSettings.HTTP_HOST), httpPort, registry,
          () -> ServiceHttpServer.Health.up("open series: " + pipeline.assembler().openSeries()));
    }
    serve.start();
    return new Serving(serve, http, metrics);
  }

  /**
   * The receiver offers PixelMed's 16 KiB PDUs; 1 MiB leaves room for any A-ASSOCIATE-RQ and for senders that send
   * larger P-DATA than offered, while bounding what one PDU header can make the receiver allocate.
   */
  private static final int MAX_PDU_BYTES = 1024 * 1024;

  /** Refused associations are counted; an object aborted for its size also becomes a dead letter. */
  private static DicomListener.Events networkEvents(IngestionPipeline pipeline, ProducerMetrics metrics) {
    return new DicomListener.Events() {
      @Override
      public void refused(String reason, String callingAeTitle, String peer, String detail) {
        metrics.associationRefused(reason);
      }

      @Override
      public void objectTooLarge(String callingAeTitle, String peer, long bytesReceived, long limit) {
        metrics.associationRefused("OBJECT_TOO_LARGE");
        pipeline.deadLetterWithoutFile("C-STORE from " + callingAeTitle + " at " + peer,
            RejectionReason.TOO_LARGE.name(), "C-STORE object of more than " + limit + " bytes (producer.max.file.mb):"
                + " transfer aborted after " + bytesReceived + " bytes, nothing kept", bytesReceived);
      }
    };
  }

  /** Loads the producer's settings as main does, for tests and tools that run it in-process. */
  public static Settings settings(Map<String, String> environment, String... args) {
    return Settings.load(ProducerSettings.all(), KafkaSettings.passThroughGroups(), environment, args);
  }
}
