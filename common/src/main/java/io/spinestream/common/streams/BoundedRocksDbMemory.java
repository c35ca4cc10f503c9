package io.spinestream.common.streams;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * One memory budget for all RocksDB stores of a service instance: a block cache shared by every store, with
 * their memtables and index/filter blocks charged to it (Kafka's "bounded memory" recipe). Without it each
 * store instance (one per store and partition) has its own 50 MiB block cache and up to three 16 MiB
 * memtables, so a service's native memory grows with the partitions it owns and the data it has touched, up to
 * about 100 MiB per store and partition; with it, the total stays at {@link #BUDGET_CONFIG} plus RocksDB's
 * small per-instance overhead.
 *
 * <p>Kafka Streams instantiates this class once per store, so the cache and the write buffer manager live in a
 * static map keyed by the application id: every store of one service (all its stream threads and partitions)
 * shares one budget, and a second service in the same JVM (an all-in-one test, a tool) gets its own instead of
 * silently running on the first one's. A different budget for an application id that already has one is refused:
 * the budget is the service's, not a store's.
 */
public final class BoundedRocksDbMemory implements RocksDBConfigSetter {
  /** Streams config entry (bytes) carrying the budget from the service's settings to here. */
  public static final String BUDGET_CONFIG = "spine.rocksdb.memory.bytes";
  /** Share of the budget that memtables may take before they are flushed (the rest caches blocks). */
  static final double MEMTABLE_SHARE = 0.5;
  /** Share of the cache kept for index and filter blocks, so that data blocks cannot evict them. */
  private static final double INDEX_FILTER_SHARE = 0.1;
  /** Memtable size per store: small enough that several stores fit the budget's memtable share. */
  private static final long MEMTABLE_BYTES = 4L << 20;

  private static final Map<String, Budget> BUDGETS = new HashMap<>();

  /** The cache and write buffer manager of one application's stores, sized by its budget. */
  private record Budget(long bytes, Cache cache, WriteBufferManager writeBufferManager) {
    static Budget of(long bytes) {
      Cache cache = new LRUCache(bytes, -1, false, INDEX_FILTER_SHARE);
      return new Budget(bytes, cache, new WriteBufferManager((long) (bytes * MEMTABLE_SHARE), cache));
    }
  }

  /** The budget the application's shared cache was sized with (0 before its first store opened). */
  static synchronized long budgetBytes(String applicationId) {
    Budget budget = BUDGETS.get(applicationId);
    return budget == null ? 0 : budget.bytes();
  }

  private static synchronized Budget share(String applicationId, long bytes) {
    Budget budget = BUDGETS.computeIfAbsent(applicationId, id -> Budget.of(bytes));
    if (budget.bytes() != bytes) {
      throw new IllegalStateException("application " + applicationId + " already runs its RocksDB stores on a "
          + (budget.bytes() >> 20) + " MiB budget; a store asked for " + (bytes >> 20) + " MiB: every instance of "
          + "a service in one JVM must be given the same " + BUDGET_CONFIG);
    }
    return budget;
  }

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    Object value = configs.get(BUDGET_CONFIG);
    if (value == null) {
      throw new IllegalStateException(BUDGET_CONFIG + " is not set: the service's settings put it there");
    }
    Object applicationId = configs.get(StreamsConfig.APPLICATION_ID_CONFIG);
    if (applicationId == null) {
      throw new IllegalStateException(StreamsConfig.APPLICATION_ID_CONFIG + " is not in the store's configs");
    }
    Budget budget = share(applicationId.toString(), Long.parseLong(value.toString()));
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    table.setBlockCache(budget.cache());
    options.setWriteBufferManager(budget.writeBufferManager());
    table.setCacheIndexAndFilterBlocks(true);
    table.setCacheIndexAndFilterBlocksWithHighPriority(true);
    table.setPinTopLevelIndexAndFilter(true);
    options.setWriteBufferSize(MEMTABLE_BYTES);
    options.setMaxWriteBufferNumber(2);
    options.setTableFormatConfig(table);
  }

  @Override
  public void close(String storeName, Options options) {
    // The cache and the write buffer manager are shared by every store of the application: never closed here.
  }
}
