package io.spinestream.common.streams;

import java.util.Map;
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
 * <p>Kafka Streams instantiates this class once per store, so the cache and the write buffer manager are
 * JVM-wide: the first store sizes them from its configs, the others share them (a JVM runs one service).
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

  private static Cache cache;
  private static WriteBufferManager writeBufferManager;
  private static long budget;

  /** The budget the shared cache was sized with (0 before the first store opened). */
  static synchronized long budgetBytes() {
    return budget;
  }

  private static synchronized void share(long bytes) {
    if (cache == null) {
      budget = bytes;
      cache = new LRUCache(bytes, -1, false, INDEX_FILTER_SHARE);
      writeBufferManager = new WriteBufferManager((long) (bytes * MEMTABLE_SHARE), cache);
    }
  }

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    Object value = configs.get(BUDGET_CONFIG);
    if (value == null) {
      throw new IllegalStateException(BUDGET_CONFIG + " is not set: the service's settings put it there");
    }
    share(Long.parseLong(value.toString()));
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    synchronized (BoundedRocksDbMemory.class) {
      table.setBlockCache(cache);
      options.setWriteBufferManager(writeBufferManager);
    }
    table.setCacheIndexAndFilterBlocks(true);
    table.setCacheIndexAndFilterBlocksWithHighPriority(true);
    table.setPinTopLevelIndexAndFilter(true);
    options.setWriteBufferSize(MEMTABLE_BYTES);
    options.setMaxWriteBufferNumber(2);
    options.setTableFormatConfig(table);
  }

  @Override
  public void close(String storeName, Options options) {
    // The cache and the write buffer manager are shared by every store of the JVM: never closed here.
  }
}
