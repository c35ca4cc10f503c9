package io.spinestream.producer.dicom;

import java.util.concurrent.Semaphore;

/**
 * Bytes of files being decoded at once, bounded: a reader takes a file's size before reading it and gives it back
 * when done, waiting while the budget is spent. Counted in KiB so that budgets up to terabytes fit a semaphore.
 */
final class DecodeBudget {
  private final Semaphore kibibytes;
  private final long maxBytes;

  DecodeBudget(long maxBytes) {
    this.maxBytes = maxBytes;
    this.kibibytes = new Semaphore(toKib(maxBytes), true);
  }

  /** Takes room for a file of {@code bytes} (capped at the whole budget), waiting until there is room. */
  int acquire(long bytes) {
    int permits = toKib(Math.min(Math.max(bytes, 1), maxBytes));
    kibibytes.acquireUninterruptibly(permits);
    return permits;
  }

  void release(int permits) {
    kibibytes.release(permits);
  }

  /** For tests: whether a reader waits for room. */
  boolean hasWaiters() {
    return kibibytes.hasQueuedThreads();
  }

  int availableKib() {
    return kibibytes.availablePermits();
  }

  private static int toKib(long bytes) {
    return (int) Math.min(Integer.MAX_VALUE, (bytes + 1023) / 1024);
  }
}
