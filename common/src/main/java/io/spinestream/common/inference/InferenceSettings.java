package io.spinestream.common.inference;

import io.spinestream.common.config.Setting;
import io.spinestream.common.config.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The model settings of a service that runs one, under its prefix ({@code segmenter.model.card}, ...). */
public final class InferenceSettings {
  public final Setting<Path> modelCard;
  public final Setting<DeviceChoice> device;
  public final Setting<Integer> threads;
  public final Setting<Integer> workers;
  public final Setting<Integer> batchSize;
  public final Setting<Duration> batchMaxDelay;
  public final Setting<Path> cacheDir;
  public final Setting<Integer> inFlightBatches;

  public InferenceSettings(String service, String defaultCard) {
    modelCard = Setting.path(service + ".model.card", defaultCard,
        "the model card JSON; the TorchScript file it names sits next to it");
    device = new Setting<>(service + ".device", "cpu, gpu or auto (GPU when DJL sees one)", DeviceChoice::parse,
        DeviceChoice.AUTO, false, v -> true, "");
    threads = Setting.integer(service + ".inference.threads", Math.max(1, Runtime.getRuntime().availableProcessors()),
        "intra-op threads of each inference worker").between(1, 256);
    workers = Setting.integer(service + ".inference.workers", 1,
        "inference workers, each with its own predictor").between(1, 64);
    batchSize = Setting.integer(service + ".batch.size", 4, "largest batch the model runs").between(1, 1024);
    batchMaxDelay = Setting.millis(service + ".batch.max.delay.ms", 5L,
        "how long a batch waits to fill up");
    cacheDir = Setting.path(service + ".djl.cache.dir", null,
        "where libtorch is unpacked on first start (default ~/.djl.ai or DJL_CACHE_DIR)").optionalValue();
    // Up to QUEUED_BATCHES, so that handing work to the model never blocks the stream thread.
    inFlightBatches = Setting.integer(service + ".inflight.batches", 2,
        "batches handed to the model and not yet taken back, at most, over all the service's tasks (keeps the"
            + " model busy between punctuations; at least workers + 1)").between(1, QUEUED_BATCHES);
  }

  /** The predictor's queue holds this many full batches. */
  static final int QUEUED_BATCHES = 8;

  public List<Setting<?>> all() {
    return List.of(modelCard, device, threads, workers, batchSize, batchMaxDelay, cacheDir, inFlightBatches);
  }

  /** Items the stream thread may have handed to the model and not taken back: in-flight batches x batch size. */
  public int maxInFlight(Settings settings) {
    return settings.get(inFlightBatches) * settings.get(batchSize);
  }

  public EngineConfig engineConfig(Settings settings) {
    return new EngineConfig(settings.get(device), settings.get(threads), 1, settings.get(cacheDir));
  }

  public BatchingConfig batchingConfig(Settings settings) {
    int batch = settings.get(batchSize);
    return new BatchingConfig(settings.get(workers), batch, settings.get(batchMaxDelay), batch * QUEUED_BATCHES);
  }
}
