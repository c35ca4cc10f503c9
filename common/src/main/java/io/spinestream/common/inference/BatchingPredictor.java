package io.spinestream.common.inference;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs single items from many threads as batched forward passes.
 *
 * <p>Callers {@link #submit} one item (the card's input shape without the batch dimension) and get a future
 * of its output (the output shape without the batch dimension). Each worker thread owns one predictor; it
 * takes the oldest queued item, then adds items until it has {@code maxBatch} or until {@code maxDelay} has
 * passed since that oldest item was submitted, stacks them into one {@code [B, ...]} tensor, runs it and
 * completes each future with its slice of the output. With several workers, batches form only from what
 * queues up while the others are busy or within {@code maxDelay}.
 *
 * <p>The queue is bounded: {@code submit} blocks while it is full. A failed forward fails the futures of that
 * batch (with {@link InferenceException}); the workers go on. Futures complete on the worker threads: chain
 * heavy work with the {@code *Async} methods. Every worker warms up at start with a batch of 1 and one of
 * {@code maxBatch} (zeros), because the first forwards at a new batch size are slow.
 *
 * <p>{@link #close} stops accepting, runs what is queued, and then stops the workers and closes their
 * predictors; the model stays open (its owner closes it afterwards).
 */
public final class BatchingPredictor implements AutoCloseable, MeterBinder {
  private static final Logger LOG = LoggerFactory.getLogger(BatchingPredictor.class);
  private static final long IDLE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final TorchModel model;
  private final BatchingConfig config;
  private final long[] itemShape;
  private final BlockingQueue<Request> queue;
  private final List<Thread> workers = new ArrayList<>();
  private volatile boolean accepting = true;
  private volatile boolean abandon;

  private final LongAdder batches = new LongAdder();
  private final LongAdder items = new LongAdder();
  private final LongAdder failedBatches = new LongAdder();
  private final LongAdder inferenceNanos = new LongAdder();
  private final AtomicLongArray batchSizeCounts;
  private final AtomicReference<DistributionSummary> batchSizeSummary = new AtomicReference<>();

  private record Request(Tensor input, CompletableFuture<Tensor> result, long submittedNanos) {}

  /** Counters since start; {@code batchSizeCounts[b]} is how many batches held {@code b} items. */
  public record Stats(long batches, long items, long failedBatches, long inferenceNanos, long[] batchSizeCounts,
      int queued) {
    public double meanBatchSize() {
      return batches == 0 ? 0 : (double) items / batches;
    }
  }

  private BatchingPredictor(TorchModel model, BatchingConfig config) {
    this.model = model;
    this.config = config;
    this.itemShape = model.card().itemInputShape();
    this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
    this.batchSizeCounts = new AtomicLongArray(config.maxBatch() + 1);
  }

  /**
   * Starts the workers and returns once each has created its predictor and warmed up.
   *
   * @throws ModelLoadException when a warm-up forward fails (e.g. the model rejects a batch of {@code maxBatch})
   */
  public static BatchingPredictor start(TorchModel model, BatchingConfig config) {
    BatchingPredictor batching = new BatchingPredictor(model, config);
    CountDownLatch warmedUp = new CountDownLatch(config.workers());
    AtomicReference<RuntimeException> warmUpFailure = new AtomicReference<>();
    for (int i = 0; i < config.workers(); i++) {
      Thread worker = new Thread(() -> batching.work(warmedUp, warmUpFailure),
          "inference-" + model.card().name() + "-" + i);
      worker.setDaemon(true);
      batching.workers.add(worker);
      worker.start();
    }
    try {
      warmedUp.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      batching.close();
      throw new ModelLoadException("Interrupted while warming up model " + model.card().id(), e);
    }
    if (warmUpFailure.get() != null) {
      batching.close();
      throw warmUpFailure.get();
    }
    LOG.info("Batching predictor for {}: {} workers, batches up to {} within {} ms, queue {}", model.card().id(),
        config.workers(), config.maxBatch(), config.maxDelay().toMillis(), config.queueCapacity());
    return batching;
  }

  /**
   * Queues one item, blocking while the queue is full.
   *
   * @param item one input of the card's item shape (input shape without the batch dimension)
   * @return the item's output, without the batch dimension
   * @throws IllegalArgumentException     for an item of the wrong shape
   * @throws RejectedExecutionException   after {@link #close}
   */
  public CompletableFuture<Tensor> submit(Tensor item) throws InterruptedException {
    if (!Arrays.equals(item.shape(), itemShape)) {
      throw new IllegalArgumentException("item shape " + Arrays.toString(item.shape()) + " differs from model "
          + model.card().id() + "'s item input shape " + Arrays.toString(itemShape));
    }
    if (!accepting) {
      throw new RejectedExecutionException("batching predictor for " + model.card().id() + " is closed");
    }
    Request request = new Request(item, new CompletableFuture<>(), System.nanoTime());
    queue.put(request);
    // close() may have begun while we waited: workers leave once the queue is empty after accepting ends,
    // so an item that is still queued now must not be left behind.
    if (!accepting && queue.remove(request)) {
      throw new RejectedExecutionException("batching predictor for " + model.card().id() + " is closed");
    }
    return request.result();
  }

  public Stats stats() {
    long[] counts = new long[batchSizeCounts.length()];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = batchSizeCounts.get(i);
    }
    return new Stats(batches.sum(), items.sum(), failedBatches.sum(), inferenceNanos.sum(), counts, queue.size());
  }

  /**
   * Registers {@code spine.inference.batches} (timer: count and forward time), {@code spine.inference.items},
   * {@code spine.inference.failed.batches}, {@code spine.inference.batch.size} (distribution) and
   * {@code spine.inference.queue} (gauge), tagged with the model's name and version.
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    Tags tags = Tags.of("model", model.card().name(), "version", model.card().version());
    FunctionTimer.builder("spine.inference.batches", this, p -> p.batches.sum(), p -> p.inferenceNanos.sum(),
        TimeUnit.NANOSECONDS).tags(tags).description("forward passes and their time").register(registry);
    FunctionCounter.builder("spine.inference.items", this, p -> p.items.sum()).tags(tags)
        .description("items inferred").register(registry);
    FunctionCounter.builder("spine.inference.failed.batches", this, p -> p.failedBatches.sum()).tags(tags)
        .description("forward passes that failed").register(registry);
    Gauge.builder("spine.inference.queue", queue, BlockingQueue::size).tags(tags)
        .description("items waiting for a worker").register(registry);
    batchSizeSummary.set(DistributionSummary.builder("spine.inference.batch.size").tags(tags)
        .description("items per forward pass").register(registry));
  }

  /** Stops accepting, runs what is queued, stops the workers and closes their predictors. */
  @Override
  public void close() {
    close(Duration.ofDays(1));
  }

  /**
   * Like {@link #close()}, but items still queued after {@code timeout} fail with
   * {@link RejectedExecutionException}. Returns once the workers have finished their current batch.
   */
  public void close(Duration timeout) {
    accepting = false;
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean interrupted = false;
    for (Thread worker : workers) {
      try {
        long left = deadline - System.nanoTime();
        if (left > 0) {
          TimeUnit.NANOSECONDS.timedJoin(worker, left);
        }
      } catch (InterruptedException e) {
        interrupted = true;
        break;
      }
    }
    abandon = true;
    List<Request> left = new ArrayList<>();
    queue.drainTo(left);
    left.forEach(r -> r.result().completeExceptionally(
        new RejectedExecutionException("batching predictor for " + model.card().id() + " closed before this ran")));
    for (Thread worker : workers) {
      while (worker.isAlive()) {
        try {
          worker.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void work(CountDownLatch warmedUp, AtomicReference<RuntimeException> warmUpFailure) {
    try (ModelPredictor predictor = model.newPredictor()) {
      try {
        warmUp(predictor);
      } catch (RuntimeException e) {
        warmUpFailure.compareAndSet(null, e);
        return;
      } finally {
        warmedUp.countDown();
      }
      List<Request> batch = new ArrayList<>(config.maxBatch());
      while (!abandon) {
        Request first = queue.poll(IDLE_POLL_NANOS, TimeUnit.NANOSECONDS);
        if (first == null) {
          // Leave only when closed and nothing is queued: an item put just before close() still runs.
          if (!accepting && queue.isEmpty()) {
            return;
          }
          continue;
        }
        batch.clear();
        batch.add(first);
        collect(batch, first.submittedNanos() + config.maxDelay().toNanos());
        run(predictor, batch);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void warmUp(ModelPredictor predictor) {
    for (int size : config.maxBatch() == 1 ? new int[] {1} : new int[] {1, config.maxBatch()}) {
      long[] shape = model.card().inputShape(size);
      Tensor output;
      try {
        output = predictor.predict(Tensor.zeros(shape));
      } catch (InferenceException e) {
        throw new ModelLoadException("Model " + model.card().id() + " fails a warm-up batch of " + size + " ("
            + TorchRuntime.rootMessage(e) + "): lower the maximum batch size or export the model with a dynamic "
            + "batch dimension.", e);
      }
      if (!model.card().outputShapeMatches(output.shape(), size)) {
        throw new ModelLoadException("Model " + model.card().id() + " returns " + Arrays.toString(output.shape())
            + " for a batch of " + size + ", its card says " + model.card().output().shape() + ": export the model"
            + " with a dynamic batch dimension or lower the maximum batch size to 1.");
      }
    }
  }

  /** Adds queued items to {@code batch} until it is full or the oldest item's delay is over. */
  private void collect(List<Request> batch, long deadlineNanos) throws InterruptedException {
    int max = config.maxBatch();
    while (batch.size() < max) {
      queue.drainTo(batch, max - batch.size());
      long wait = deadlineNanos - System.nanoTime();
      if (batch.size() >= max || wait <= 0) {
        return;
      }
      Request next = queue.poll(wait, TimeUnit.NANOSECONDS);
      if (next == null) {
        return;
      }
      batch.add(next);
    }
  }

  private void run(ModelPredictor predictor, List<Request> batch) {
    int size = batch.size();
    List<Tensor> inputs = new ArrayList<>(size);
    batch.forEach(r -> inputs.add(r.input()));
    long start = System.nanoTime();
    try {
      Tensor output = predictor.predict(Tensor.stack(inputs));
      if (output.shape().length == 0 || output.shape()[0] != size) {
        throw new InferenceException("model " + model.card().id() + " returned " + Arrays.toString(output.shape())
            + " for a batch of " + size, null);
      }
      List<Tensor> outputs = output.unstack();
      record(size, System.nanoTime() - start);
      for (int i = 0; i < size; i++) {
        batch.get(i).result().complete(outputs.get(i));
      }
    } catch (RuntimeException e) {
      failedBatches.increment();
      LOG.warn("Forward pass of {} items on {} failed: {}", size, model.card().id(), e.getMessage());
      batch.forEach(r -> r.result().completeExceptionally(e));
    }
  }

  private void record(int size, long nanos) {
    batches.increment();
    items.add(size);
    inferenceNanos.add(nanos);
    batchSizeCounts.incrementAndGet(size);
    DistributionSummary summary = batchSizeSummary.get();
    if (summary != null) {
      summary.record(size);
    }
  }
}
