package io.spinestream.common.streams;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Model work that a stream thread has handed to the inference workers and not taken back yet, in submission
 * order.
 *
 * <p>Why: inference that blocks the stream thread leaves the model idle while the thread polls, commits and
 * stores, and the stream thread idle while the model runs. Instead a punctuator submits work (without
 * blocking) and, at its next run, {@linkplain #harvest takes back} what has finished; only then do results
 * enter the state stores and the output, in the transaction of that punctuation. Work still in flight at a
 * commit is in no transaction: after a crash or a rebalance it is simply submitted again from the stored
 * progress, so exactly-once holds and no transaction waits for a forward pass.
 *
 * <p>Harvesting stops at the first unfinished item, so results are taken back in the order they were
 * submitted and stored progress advances contiguously. Each item holds one unit of an {@link InFlightBudget}
 * shared with the service's other tasks, from {@link #tryReserve} until it is harvested or cleared. Used by
 * one stream thread only; not thread-safe.
 *
 * @param <W> what was submitted (enough to store the result: series, index, ...)
 * @param <R> the model's answer
 */
public final class InFlight<W, R> {
  /** One finished item. */
  public record Done<W, R>(W work, R result) {}

  private record Entry<W, R>(W work, CompletableFuture<R> result) {}

  private final ArrayDeque<Entry<W, R>> entries = new ArrayDeque<>();
  private final InFlightBudget budget;
  private int reserved;

  public InFlight(InFlightBudget budget) {
    this.budget = budget;
  }

  /** Reserves room for one more item; false when the service's budget is spent. */
  public boolean tryReserve() {
    if (!budget.tryAcquire()) {
      return false;
    }
    reserved++;
    return true;
  }

  /** Adds an item in the room {@link #tryReserve} reserved. */
  public void add(W work, CompletableFuture<R> result) {
    if (reserved == 0) {
      throw new IllegalStateException("no room reserved for this item");
    }
    reserved--;
    entries.addLast(new Entry<>(work, result));
  }

  /** Items submitted and not yet harvested. */
  public int size() {
    return entries.size();
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  /**
   * Takes back the finished items at the head, in submission order.
   *
   * @throws RetryLaterException when one failed: a model that fails is not the record's fault, so the stream
   *     thread is replaced after a pause and the uncommitted work done again (the in-flight items are dropped)
   */
  public List<Done<W, R>> harvest() {
    List<Done<W, R>> done = new ArrayList<>();
    while (!entries.isEmpty() && entries.peekFirst().result().isDone()) {
      Entry<W, R> entry = entries.pollFirst();
      budget.release(1);
      try {
        done.add(new Done<>(entry.work(), entry.result().get()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        clear();
        throw new RetryLaterException("interrupted while taking back inference results", e);
      } catch (ExecutionException | CancellationException | CompletionException e) {
        clear();
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        throw new RetryLaterException("inference failed: " + cause, cause);
      }
    }
    return done;
  }

  /**
   * Forgets everything in flight and gives its room back. The workers still run what is queued and nobody
   * takes it back; until they have, a submitter may wait for room in the predictor's queue (only after a
   * failure or a rebalance).
   */
  public void clear() {
    budget.release(entries.size() + reserved);
    entries.clear();
    reserved = 0;
  }
}
