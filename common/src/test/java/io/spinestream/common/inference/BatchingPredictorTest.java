package io.spinestream.common.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class BatchingPredictorTest {
  private static final Logger LOG = LoggerFactory.getLogger(BatchingPredictorTest.class);
  private static TorchModel model;

  @BeforeAll
  static void loadModel() {
    model = TorchModel.load(TinyModels.card(TinyModels.SEG), ModelCard.TASK_SEGMENTATION, TinyModels.ENGINE);
  }

  @AfterAll
  static void closeModel() {
    model.close();
  }

  @Test
  void shouldGiveFiftyConcurrentRequestsTheOutputsOfOneByOneCallsAndFormBatches() throws Exception {
    List<Tensor> items = new ArrayList<>();
    List<Tensor> expected = new ArrayList<>();
    try (ModelPredictor predictor = model.newPredictor()) {
      for (int i = 0; i < 50; i++) {
        Tensor batchOfOne = PrngInput.tensor(i + 1, model.card().inputShape(1));
        items.add(batchOfOne.unstack().get(0));
        expected.add(predictor.predict(batchOfOne).unstack().get(0));
      }
    }
    ExecutorService callers = Executors.newFixedThreadPool(10);
    try (BatchingPredictor batching = BatchingPredictor.start(model,
        new BatchingConfig(2, 8, Duration.ofMillis(50), 64))) {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<CompletableFuture<Tensor>>> submitted = new ArrayList<>();
      for (Tensor item : items) {
        submitted.add(callers.submit(() -> {
          go.await();
          return batching.submit(item);
        }));
      }
      go.countDown();
      for (int i = 0; i < items.size(); i++) {
        Tensor actual = submitted.get(i).get(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
        assertThat(actual.shape()).containsExactly(9, 32, 32);
        assertThat(TinyModels.maxAbsDifference(actual.data(), expected.get(i).data())).as("item %d", i)
            .isLessThanOrEqualTo(1e-5);
      }
      BatchingPredictor.Stats stats = batching.stats();
      LOG.info("50 concurrent requests: {} batches, sizes {}", stats.batches(), Arrays.toString(stats.batchSizeCounts()));
      assertThat(stats.items()).isEqualTo(50);
      assertThat(stats.batches()).isLessThan(50);
      assertThat(Arrays.stream(stats.batchSizeCounts(), 2, 9).sum()).as("batches of 2 or more").isPositive();
      assertThat(stats.inferenceNanos()).isPositive();
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void shouldRunEachItemAloneWhenMaxBatchIsOne() throws Exception {
    try (BatchingPredictor batching = BatchingPredictor.start(model, new BatchingConfig(1, 1, Duration.ZERO, 4))) {
      List<CompletableFuture<Tensor>> results = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        results.add(batching.submit(Tensor.zeros(model.card().itemInputShape())));
      }
      CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
      assertThat(batching.stats().batchSizeCounts()).containsExactly(0, 4);
    }
  }

  @Test
  void shouldRefuseItemsOfAnotherShape() throws Exception {
    try (BatchingPredictor batching = BatchingPredictor.start(model, new BatchingConfig(1, 2, Duration.ZERO, 4))) {
      assertThatThrownBy(() -> batching.submit(Tensor.zeros(1, 3, 32, 32)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("item shape [1, 3, 32, 32] differs from model tiny_seg 0.0.1-test's item input "
              + "shape [3, 32, 32]");
    }
  }

  @Test
  void shouldRunWhatIsQueuedOnCloseAndRejectWhatComesAfter() throws Exception {
    BatchingPredictor batching = BatchingPredictor.start(model, new BatchingConfig(1, 4, Duration.ofMillis(200), 32));
    List<CompletableFuture<Tensor>> results = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      results.add(batching.submit(Tensor.zeros(model.card().itemInputShape())));
    }
    batching.close();
    assertThat(results).allSatisfy(r -> assertThat(r).isCompleted().isNotCompletedExceptionally());
    assertThat(batching.stats().items()).isEqualTo(20);
    assertThatThrownBy(() -> batching.submit(Tensor.zeros(model.card().itemInputShape())))
        .isInstanceOf(RejectedExecutionException.class).hasMessageContaining("closed");
  }

  @Test
  void shouldPublishCountersToAMeterRegistry() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (BatchingPredictor batching = BatchingPredictor.start(model, new BatchingConfig(1, 4, Duration.ZERO, 8))) {
      batching.bindTo(registry);
      batching.submit(Tensor.zeros(model.card().itemInputShape())).get(10, TimeUnit.SECONDS);
      batching.submit(Tensor.zeros(model.card().itemInputShape())).get(10, TimeUnit.SECONDS);
      assertThat(registry.get("spine.inference.items").tag("model", "tiny_seg").functionCounter().count())
          .isEqualTo(2.0);
      assertThat(registry.get("spine.inference.batches").functionTimer().count()).isEqualTo(2.0);
      assertThat(registry.get("spine.inference.batches").functionTimer().totalTime(TimeUnit.NANOSECONDS))
          .isPositive();
      assertThat(registry.get("spine.inference.batch.size").summary().count()).isEqualTo(2);
      assertThat(registry.get("spine.inference.queue").gauge().value()).isZero();
    }
  }

  @Test
  void shouldBatchTheClassifierWithoutCountingWarmUpForwards() throws Exception {
    try (TorchModel cls = TorchModel.load(TinyModels.card(TinyModels.CLS), ModelCard.TASK_VERTEBRA_FRACTURE,
        TinyModels.ENGINE);
        BatchingPredictor batching = BatchingPredictor.start(cls, new BatchingConfig(2, 3, Duration.ZERO, 8))) {
      Tensor output = batching.submit(Tensor.zeros(cls.card().itemInputShape())).get(10, TimeUnit.SECONDS);
      assertThat(output.shape()).containsExactly(1);
      assertThat(batching.stats().batches()).isEqualTo(1);
    }
  }

  @Test
  void shouldRefuseToStartWhenTheModelFailsAWarmUpAtMaxBatch() {
    try (TorchModel fixed = TorchModel.load(TinyModels.card("tiny_fixed_batch"), ModelCard.TASK_SEGMENTATION,
        TinyModels.ENGINE)) {
      assertThatThrownBy(() -> BatchingPredictor.start(fixed, new BatchingConfig(1, 4, Duration.ZERO, 8)))
          .isInstanceOf(ModelLoadException.class)
          .hasMessageStartingWith("Model tiny_fixed_batch 0.0.1-test fails a warm-up batch of 4 (")
          .hasMessageEndingWith("lower the maximum batch size or export the model with a dynamic batch dimension.");
    }
  }
}
