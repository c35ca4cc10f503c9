package io.spinestream.schemas.registry;

import java.util.Optional;
import org.apache.avro.Schema;

/**
 * What the serdes need of a schema registry. {@link SchemaRegistryClient} is the real one (Confluent REST
 * API); fast unit tests (TopologyTestDriver) use an in-memory one from the schemas test jar.
 */
public interface SchemaRegistry {

  /** Registers the schema under the subject, returning its id (the existing id if already there). */
  int register(String subject, Schema schema);

  /** The id of the schema under the subject, or empty if the subject does not hold it. */
  Optional<Integer> lookup(String subject, Schema schema);

  /** The schema with this id; throws {@link SchemaRegistryException} if there is none. */
  Schema schemaById(int id);
}
