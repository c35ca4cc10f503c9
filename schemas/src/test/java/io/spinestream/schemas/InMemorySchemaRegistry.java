package io.spinestream.schemas;

import io.spinestream.schemas.registry.SchemaRegistry;
import io.spinestream.schemas.registry.SchemaRegistryException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;

/**
 * A schema registry in memory, for fast unit tests (TopologyTestDriver) only: ids are assigned per
 * distinct schema, as Confluent's registry and Apicurio do; no compatibility rules. Integration tests use
 * the real registry.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {
  private final List<Schema> schemas = new ArrayList<>();
  private final Map<String, List<Integer>> subjects = new HashMap<>();

  @Override
  public synchronized int register(String subject, Schema schema) {
    int id = schemas.indexOf(schema);
    if (id < 0) {
      schemas.add(schema);
      id = schemas.size() - 1;
    }
    List<Integer> versions = subjects.computeIfAbsent(subject, s -> new ArrayList<>());
    if (!versions.contains(id)) {
      versions.add(id);
    }
    return id + 1;
  }

  @Override
  public synchronized Optional<Integer> lookup(String subject, Schema schema) {
    int id = schemas.indexOf(schema);
    return id >= 0 && subjects.getOrDefault(subject, List.of()).contains(id) ? Optional.of(id + 1) : Optional.empty();
  }

  @Override
  public synchronized Schema schemaById(int id) {
    if (id < 1 || id > schemas.size()) {
      throw new SchemaRegistryException("schema id " + id + " not found", 404, SchemaRegistryException.SCHEMA_NOT_FOUND);
    }
    return schemas.get(id - 1);
  }
}
