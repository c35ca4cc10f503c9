package io.spinestream.common.kafka;

import io.spinestream.schemas.Topic;
import io.spinestream.schemas.registry.RegistryUnavailableException;
import io.spinestream.schemas.registry.SchemaRegistryClient;
import io.spinestream.schemas.registry.SchemaRegistryException;
import java.time.Duration;
import java.util.Collection;
import org.apache.avro.specific.SpecificData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the value schemas a service writes before it writes anything, so that a schema the registry
 * refuses (incompatible with what a topic already holds) stops the service at start with a clear message,
 * instead of failing its first record.
 *
 * <p>A registry that cannot be reached is not a refusal: a service started during a registry outage waits
 * for it (asking again every few seconds, up to {@link #DEFAULT_WAIT}) instead of exiting, the way a running
 * service rides out the same outage. Found by FaultInjectionIT: a classifier restarted while the registry
 * was down exited with "the registry refuses this version's schema".
 */
public final class SchemaCheck {
  private static final Logger LOG = LoggerFactory.getLogger(SchemaCheck.class);
  /** How long a starting service waits for an unreachable registry before it gives up. */
  public static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);
  private static final Duration PAUSE = Duration.ofSeconds(5);

  private SchemaCheck() {}

  public static void registerValueSchemas(SchemaRegistryClient registry, Collection<Topic<?>> topics) {
    registerValueSchemas(registry, topics, DEFAULT_WAIT);
  }

  /**
   * @param wait how long to keep asking while the registry is unreachable (each ask already retries with
   *     the client's backoff); a refusal (4xx) fails at once
   */
  public static void registerValueSchemas(SchemaRegistryClient registry, Collection<Topic<?>> topics, Duration wait) {
    registerValueSchemas(registry, topics, wait, PAUSE);
  }

  static void registerValueSchemas(SchemaRegistryClient registry, Collection<Topic<?>> topics, Duration wait,
      Duration pause) {
    long deadline = System.nanoTime() + wait.toNanos();
    for (Topic<?> topic : topics) {
      String subject = topic.name() + "-value";
      while (true) {
        try {
          int id = registry.register(subject, SpecificData.get().getSchema(topic.valueType()));
          LOG.info("schema {} registered under {} with id {}", topic.valueType().getSimpleName(), subject, id);
          break;
        } catch (RegistryUnavailableException e) {
          if (System.nanoTime() - deadline >= 0) {
            throw new IllegalStateException("the schema registry stayed unreachable for " + wait.toSeconds()
                + " s while registering " + subject + ": " + e.getMessage(), e);
          }
          LOG.warn("schema registry unreachable while registering {} ({}); asking again in {} ms", subject,
              e.getMessage(), pause.toMillis());
          pause(pause);
        } catch (SchemaRegistryException e) {
          if (e.httpStatus() == 401 || e.httpStatus() == 403 || e.httpStatus() == -1) {
            // Not the schema's fault: credentials or TLS; the registry client's message names the fix.
            throw new IllegalStateException("cannot register schemas for " + subject + ": " + e.getMessage(), e);
          }
          throw new IllegalStateException("the registry refuses this version's " + topic.valueType().getSimpleName()
              + " schema for " + subject + ": " + e.getMessage(), e);
        }
      }
    }
  }

  private static void pause(Duration pause) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the schema registry", e);
    }
  }
}
