package io.spinestream.common.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.spinestream.common.config.Setting;
import io.spinestream.common.config.Settings;
import io.spinestream.common.kafka.KafkaSettings;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real RocksDB stores (through TopologyTestDriver) under the shared budget. */
class BoundedRocksDbMemoryTest {
  private static final List<String> STORES = List.of("first", "second");

  @TempDir
  Path state;

  @Test
  void shouldPutEveryStoreOfTheInstanceOnOneCacheOfTheConfiguredBudget() {
    StreamsSettings streams = new StreamsSettings("test");
    Settings settings = load(streams, "--test.rocksdb.memory.mib=24", "--test.state.dir=" + state);
    Properties props = streams.streamsProperties(settings, new KafkaSettings(settings), 1 << 20);
    props.put(StreamsConfig.METRICS_RECORDING_LEVEL_CONFIG, "DEBUG");

    try (TopologyTestDriver driver = new TopologyTestDriver(topology(), props)) {
      TestInputTopic<String, byte[]> input = driver.createInputTopic("in", Serdes.String().serializer(),
          Serdes.ByteArray().serializer());
      byte[] value = new byte[64 * 1024];
      for (int i = 0; i < 400; i++) {
        value[0] = (byte) i;
        input.pipeInput("k" + i, value);
      }
      Map<String, Object> capacity = rocksDbMetric(driver, "block-cache-capacity");

      assertThat(BoundedRocksDbMemory.budgetBytes("spine-test")).isEqualTo(24L << 20);
      assertThat(capacity).as("block cache capacity per store").containsOnlyKeys(STORES)
          .allSatisfy((store, bytes) -> assertThat(new BigInteger(bytes.toString())).as(store)
              .isEqualTo(BigInteger.valueOf(24L << 20)));
      Map<String, Object> memtables = rocksDbMetric(driver, "size-all-mem-tables");
      long memtableTotal = memtables.values().stream().mapToLong(v -> new BigInteger(v.toString()).longValue()).sum();
      // 25 MiB written to each store: without the budget both would hold up to 48 MiB of memtables.
      assertThat(memtableTotal).as("memtables of both stores").isLessThanOrEqualTo(2 * (8L << 20) + (1L << 20));
    }
  }

  @Test
  void shouldGiveEachApplicationOfTheJvmItsOwnBudgetAndRefuseASecondBudgetForOne() {
    BoundedRocksDbMemory setter = new BoundedRocksDbMemory();
    setter.setConfig("a", storeOptions(), storeConfigs("budget-a", 16));
    setter.setConfig("b", storeOptions(), storeConfigs("budget-b", 32));
    setter.setConfig("a2", storeOptions(), storeConfigs("budget-a", 16));

    assertThat(BoundedRocksDbMemory.budgetBytes("budget-a")).isEqualTo(16L << 20);
    assertThat(BoundedRocksDbMemory.budgetBytes("budget-b")).isEqualTo(32L << 20);
    assertThatThrownBy(() -> setter.setConfig("a3", storeOptions(), storeConfigs("budget-a", 48)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("budget-a")
        .hasMessageContaining("16 MiB").hasMessageContaining("48 MiB");
  }

  @Test
  void shouldRefuseToRunWithoutTheBudget() {
    assertThatThrownBy(() -> new BoundedRocksDbMemory().setConfig("store", new org.rocksdb.Options(),
        Map.of(StreamsConfig.APPLICATION_ID_CONFIG, "no-budget")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining(BoundedRocksDbMemory.BUDGET_CONFIG);
  }

  @Test
  void shouldValidateTheBudgetSetting() {
    StreamsSettings streams = new StreamsSettings("test");
    assertThatThrownBy(() -> load(streams, "--test.rocksdb.memory.mib=4"))
        .hasMessageContaining("test.rocksdb.memory.mib");
  }

  private static Settings load(StreamsSettings streams, String... args) {
    List<Setting<?>> declared = new ArrayList<>(streams.all());
    declared.addAll(KafkaSettings.SETTINGS);
    return Settings.load(declared, KafkaSettings.passThroughGroups(),
        Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9", "REGISTRY_URL", "http://127.0.0.1:9"), args);
  }

  /** Options as Kafka Streams hands them over: with a block-based table config to put the cache into. */
  private static org.rocksdb.Options storeOptions() {
    return new org.rocksdb.Options().setTableFormatConfig(new org.rocksdb.BlockBasedTableConfig());
  }

  private static Map<String, Object> storeConfigs(String applicationId, long mib) {
    return Map.of(StreamsConfig.APPLICATION_ID_CONFIG, applicationId, BoundedRocksDbMemory.BUDGET_CONFIG, mib << 20);
  }

  private static Map<String, Object> rocksDbMetric(TopologyTestDriver driver, String name) {
    return driver.metrics().entrySet().stream()
        .filter(e -> e.getKey().name().equals(name) && e.getKey().tags().containsKey("rocksdb-state-id"))
        .collect(Collectors.toMap(e -> e.getKey().tags().get("rocksdb-state-id"), e -> e.getValue().metricValue()));
  }

  private static Topology topology() {
    Topology topology = new Topology();
    topology.addSource("source", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), "in");
    topology.addProcessor("store", StoreBoth::new, "source");
    for (String store : STORES) {
      topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store), Serdes.String(),
          Serdes.ByteArray()).withCachingDisabled(), "store");
    }
    return topology;
  }

  private static final class StoreBoth implements Processor<String, byte[], Void, Void> {
    private final KeyValueStore<String, byte[]>[] stores = new KeyValueStore[STORES.size()];

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      for (int i = 0; i < stores.length; i++) {
        stores[i] = context.getStateStore(STORES.get(i));
      }
    }

    @Override
    public void process(Record<String, byte[]> record) {
      for (KeyValueStore<String, byte[]> store : stores) {
        store.put(record.key(), record.value());
      }
    }
  }
}
