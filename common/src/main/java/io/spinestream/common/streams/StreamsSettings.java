package io.spinestream.common.streams;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.spinestream.common.config.Setting;
import io.spinestream.common.config.Settings;
import io.spinestream.common.http.ServiceHttpServer;
import io.spinestream.common.kafka.KafkaSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/** The settings every Kafka Streams service has, under its own prefix ({@code cropper.threads}, ...). */
public final class StreamsSettings {
  public final Setting<String> applicationId;
  public final Setting<Path> stateDir;
  public final Setting<Integer> threads;
  public final Setting<Duration> commitInterval;
  public final Setting<Duration> pollInterval;
  public final Setting<Duration> fetchMaxWait;
  public final Setting<Duration> startTimeout;
  public final Setting<Duration> closeTimeout;
  public final Setting<String> httpHost;
  public final Setting<Integer> httpPort;
  public final Setting<Integer> rocksDbMemory;

  public StreamsSettings(String service) {
    applicationId = Setting.string(service + ".application.id", "spine-" + service,
        "Kafka Streams application id: consumer group and prefix of internal topics");
    stateDir = Setting.path(service + ".state.dir", "spinestream-state/" + service,
        "where the state stores live (keep it on a persistent disk)");
    threads = Setting.integer(service + ".threads", 1, "stream threads").between(1, 64);
    commitInterval = Setting.millis(service + ".commit.interval.ms", 100L,
        "how often transactions commit (exactly-once): latency vs overhead");
    // Kafka Streams' own default (100 ms) is the longest a stream thread waits in poll() once its input is
    // drained, and wall-clock punctuators (where the services take back inference results and hand out new
    // work) run only between polls: at 100 ms the model idled most of the time (bench/results).
    pollInterval = Setting.millis(service + ".poll.ms", 10L,
        "longest wait for new records before punctuators and commits run again (Kafka Streams poll.ms)")
        .must(d -> d.toMillis() >= 1 && d.toMillis() <= 10_000, "must be between 1 and 10000 ms");
    // A consumer has one fetch in flight per broker; a partition assigned or resumed (after its state is
    // restored) waits for it, and the broker holds a fetch of partitions without new data up to
    // fetch.max.wait.ms (Kafka's default 500): restoring empty changelogs and starting on an assignment took
    // about a second per task wave here. Idle, each consumer then asks the broker every this many ms.
    fetchMaxWait = Setting.millis(service + ".fetch.max.wait.ms", 50L,
        "longest the broker holds a fetch without new data, for the service's main and restore consumers (Kafka"
            + " fetch.max.wait.ms)").must(d -> d.toMillis() >= 1 && d.toMillis() <= 10_000,
        "must be between 1 and 10000 ms");
    startTimeout = Setting.millis(service + ".start.timeout.ms", 120_000L, "how long to wait for RUNNING at start");
    closeTimeout = Setting.millis(service + ".close.timeout.ms", 30_000L, "how long a stop may take");
    httpHost = Setting.string(service + ".http.host", "127.0.0.1", "address of /health and /metrics");
    httpPort = Setting.integer(service + ".http.port", null,
        "port of /health and /metrics; unset = none, 0 = any free port").optionalValue().between(0, 65535);
    rocksDbMemory = Setting.integer(service + ".rocksdb.memory.mib", 64,
        "native memory of all the instance's RocksDB state stores together: block cache, index and filter blocks"
            + " and memtables (half of it at most); without a bound each store and partition takes up to ~100"
            + " MiB").between(8, 65_536);
  }

  /** Starts the service's HTTP endpoint (health, metrics) for this runner; null when no port is set. */
  public ServiceHttpServer httpServer(Settings settings, PrometheusMeterRegistry metrics, StreamsRunner runner)
      throws IOException {
    Integer port = settings.get(httpPort);
    return port == null ? null : new ServiceHttpServer(settings.get(httpHost), port, metrics, runner::health);
  }

  public List<Setting<?>> all() {
    return List.of(applicationId, stateDir, threads, commitInterval, pollInterval, fetchMaxWait, startTimeout,
        closeTimeout, httpHost, httpPort, rocksDbMemory);
  }

  /**
   * Kafka Streams properties: exactly-once v2, the {@code kafka.*} client overrides, and producer/consumer
   * limits that fit the largest record the service reads or writes.
   */
  public Properties streamsProperties(Settings settings, KafkaSettings kafka, int maxRecordBytes) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, settings.get(applicationId));
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.get(threads));
    props.put(StreamsConfig.STATE_DIR_CONFIG, settings.get(stateDir).toAbsolutePath().toString());
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, settings.get(commitInterval).toMillis());
    props.put(StreamsConfig.POLL_MS_CONFIG, settings.get(pollInterval).toMillis());
    long fetchWait = settings.get(fetchMaxWait).toMillis();
    props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), (int) fetchWait);
    props.put(StreamsConfig.restoreConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), (int) fetchWait);
    props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class);
    props.put(BoundedRocksDbMemory.BUDGET_CONFIG, (long) settings.get(rocksDbMemory) << 20);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) kafka.replicationFactor());
    props.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), maxRecordBytes + 64 * 1024);
    props.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "zstd");
    props.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_ZSTD_LEVEL_CONFIG), 1);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), maxRecordBytes + 64 * 1024);
    props.putAll(kafka.clientProperties());
    return props;
  }
}
