package io.spinestream.common.streams;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.spinestream.common.http.ServiceHttpServer;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a Kafka Streams topology as a service: an uncaught-exception policy, waiting for RUNNING with a
 * timeout, Kafka Streams metrics bound to the service's registry, and a bounded close.
 *
 * <p>Failure policy: a {@link RetryLaterException} (registry or broker unreachable) replaces the stream
 * thread after a pause, so the task resumes from its last commit and the record is processed again; any
 * other uncaught exception is a bug or a broken invariant and shuts the client down, which makes the
 * service exit non-zero rather than loop on the same record. Bad records never get here: processors turn
 * them into dead letters.
 */
public final class StreamsRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StreamsRunner.class);
  private static final Duration RETRY_PAUSE = Duration.ofSeconds(5);

  private final String service;
  private final KafkaStreams streams;
  private final Duration closeTimeout;
  private final CountDownLatch running = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile Throwable fatal;

  public StreamsRunner(String service, Topology topology, Properties properties, MeterRegistry metrics,
      Duration closeTimeout) {
    this.service = service;
    this.closeTimeout = closeTimeout;
    this.streams = new KafkaStreams(topology, properties);
    streams.setUncaughtExceptionHandler(error -> {
      if (PoisonGuard.causedBy(error, RetryLaterException.class)) {
        LOG.warn("{}: {}; replacing the stream thread in {} s", service, rootMessage(error), RETRY_PAUSE.toSeconds());
        sleep(RETRY_PAUSE);
        return StreamThreadExceptionResponse.REPLACE_THREAD;
      }
      LOG.error("{}: unexpected failure, shutting down", service, error);
      fatal = error;
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    streams.setStateListener((now, before) -> {
      LOG.info("{}: {} -> {}", service, before, now);
      if (now == KafkaStreams.State.RUNNING) {
        running.countDown();
      }
      if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
        running.countDown();
        stopped.countDown();
      }
    });
    if (metrics != null) {
      new KafkaStreamsMetrics(streams).bindTo(metrics);
    }
  }

  /**
   * Starts and waits until RUNNING. Still REBALANCING after {@code timeout} is not a failure: restoring large
   * state stores, or a consumer group waiting for a crashed member to time out (after a broker crash the
   * group coordinator can wait for a whole rebalance timeout, 5 min), takes as long as it takes, and exiting
   * would only start the wait again; it is logged, /health reports REBALANCING, and processing starts when
   * the rebalance completes. Throws if the client fails or stops instead.
   */
  public void start(Duration timeout) throws InterruptedException {
    streams.start();
    boolean settled = running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    KafkaStreams.State now = streams.state();
    if (now == KafkaStreams.State.RUNNING) {
      return;
    }
    if (!settled && now == KafkaStreams.State.REBALANCING && fatal == null) {
      LOG.warn("{}: still rebalancing {} s after start (restoring state, or the consumer group waiting for a "
          + "crashed member); it processes as soon as the rebalance completes", service, timeout.toSeconds());
      return;
    }
    close();
    throw new IllegalStateException(service + " did not reach RUNNING within " + timeout.toSeconds() + " s (state "
        + now + ")" + (fatal == null ? "" : ": " + rootMessage(fatal)));
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  /** Healthy while running or rebalancing. */
  public ServiceHttpServer.Health health() {
    KafkaStreams.State state = streams.state();
    return state.isRunningOrRebalancing()
        ? ServiceHttpServer.Health.up(state.name())
        : ServiceHttpServer.Health.down(state.name(), fatal == null ? "" : rootMessage(fatal));
  }

  /** Blocks until the streams stop; returns 0 after an orderly stop, 1 after a fatal error. */
  public int awaitStop() throws InterruptedException {
    stopped.await();
    return fatal == null && streams.state() != KafkaStreams.State.ERROR ? 0 : 1;
  }

  @Override
  public void close() {
    if (!streams.close(closeTimeout)) {
      LOG.warn("{}: did not stop within {} s", service, closeTimeout.toSeconds());
    }
    stopped.countDown();
  }

  private static String rootMessage(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }

  private static void sleep(Duration pause) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
