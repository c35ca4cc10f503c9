package io.spinestream.common.streams;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many items one service may have handed to its model and not taken back, shared by all its tasks and
 * stream threads: each task has its own {@link InFlight}, but they feed one predictor, whose queue blocks a
 * submitter when full. Keeping the total at most the queue's capacity is what makes submitting never wait.
 * Thread-safe.
 */
public final class InFlightBudget {
  private final int limit;
  private final AtomicInteger used = new AtomicInteger();

  public InFlightBudget(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("an in-flight budget needs at least 1 item, got " + limit);
    }
    this.limit = limit;
  }

  /** Takes one item of the budget if any is left. */
  boolean tryAcquire() {
    while (true) {
      int now = used.get();
      if (now >= limit) {
        return false;
      }
      if (used.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  void release(int items) {
    used.addAndGet(-items);
  }

  /** Items in flight now, over all tasks. */
  public int used() {
    return used.get();
  }

  public int limit() {
    return limit;
  }
}
