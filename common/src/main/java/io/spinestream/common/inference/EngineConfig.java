package io.spinestream.common.inference;

import java.nio.file.Path;

/**
 * How the PyTorch engine runs, filled by a service from its settings. The thread counts are per process
 * for libtorch's pools and are applied to every inference thread: with {@code W} worker predictors a service
 * uses about {@code W * intraOpThreads} cores, so size them together.
 *
 * @param device         cpu, gpu or auto
 * @param intraOpThreads threads one forward pass may use ({@code ai.djl.pytorch.num_threads}); set it
 *                       explicitly, libtorch's default (all cores, per inference thread) oversubscribes
 * @param interOpThreads threads for TorchScript's inter-op parallelism ({@code ai.djl.pytorch.num_interop_threads})
 * @param cacheDir       where DJL unpacks libtorch (~430 MB on first start); {@code null} keeps DJL's default
 *                       ({@code DJL_CACHE_DIR} from the environment, else {@code ~/.djl.ai})
 */
public record EngineConfig(DeviceChoice device, int intraOpThreads, int interOpThreads, Path cacheDir) {
  public EngineConfig {
    if (device == null) {
      throw new IllegalArgumentException("device is required (cpu, gpu or auto)");
    }
    if (intraOpThreads < 1 || interOpThreads < 1) {
      throw new IllegalArgumentException("intra-op and inter-op threads must be at least 1, got "
          + intraOpThreads + " and " + interOpThreads);
    }
  }

  /** CPU with the given intra-op threads, one inter-op thread, DJL's default cache folder. */
  public static EngineConfig cpu(int intraOpThreads) {
    return new EngineConfig(DeviceChoice.CPU, intraOpThreads, 1, null);
  }

  public EngineConfig withDevice(DeviceChoice choice) {
    return new EngineConfig(choice, intraOpThreads, interOpThreads, cacheDir);
  }
}
