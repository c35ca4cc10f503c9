package io.spinestream.common.kafka;

import io.spinestream.schemas.Topic;
import io.spinestream.schemas.registry.SchemaRegistryClient;
import io.spinestream.schemas.registry.SchemaRegistryException;
import java.util.Collection;
import org.apache.avro.specific.SpecificData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the value schemas a service writes before it writes anything, so that a schema the registry
 * refuses (incompatible with what a topic already holds) stops the service at start with a clear message,
 * instead of failing its first record.
 */
public final class SchemaCheck {
  private static final Logger LOG = LoggerFactory.getLogger(SchemaCheck.class);

  private SchemaCheck() {}

  public static void registerValueSchemas(SchemaRegistryClient registry, Collection<Topic<?>> topics) {
    for (Topic<?> topic : topics) {
      String subject = topic.name() + "-value";
      try {
        int id = registry.register(subject, SpecificData.get().getSchema(topic.valueType()));
        LOG.info("schema {} registered under {} with id {}", topic.valueType().getSimpleName(), subject, id);
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
