package io.spinestream.common.inference;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.pytorch.jni.JniUtils;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts DJL's PyTorch engine once per process, offline, with explicit thread counts, and resolves the
 * device. The engine reads its system properties only when it starts, so {@link #start} sets them first:
 *
 * <ul>
 *   <li>{@code ai.djl.offline=true} (unless already set): libtorch comes from the {@code pytorch-native-*} jar
 *       on the classpath, never from the network; a missing jar then fails at once instead of downloading.
 *   <li>{@code ai.djl.pytorch.num_threads} / {@code ai.djl.pytorch.num_interop_threads}: libtorch's defaults
 *       (one thread per core for every inference thread) oversubscribe the CPU with several predictors.
 *   <li>{@code ai.djl.pytorch.graph_optimizer=false} (unless already set): with the optimizer on, TorchScript's
 *       profiling executor re-specialises the graph on the first call at every new input shape. Measured here
 *       (torchvision EfficientNet-B0 at 112², batch 2, 1 thread): first call 118-198 ms with the optimizer,
 *       16-39 ms without; later calls about 12 ms either way. Off costs nothing in steady state on CPU.
 *   <li>{@code DJL_CACHE_DIR} when configured: where libtorch is unpacked (DJL prefers the environment variable
 *       of that name if one is set).
 * </ul>
 *
 * <p>Before libtorch is loaded, {@code OMP_WAIT_POLICY=PASSIVE} is put into the process environment unless it
 * is set already: libtorch's OpenMP threads otherwise spin at every barrier, and when the cores are shared
 * (Kafka threads, other services, a second predictor) a spinning thread holds a core its partner needs.
 * Measured here on 2 busy cores (tiny GRU classifier, batch 4, 2 intra-op threads): 17-305 ms per forward
 * with spinning, 1.5 ms passive; 1.0 ms with 1 thread either way.
 *
 * <p>Never set {@code PYTORCH_VERSION}: the version comes from the native jar; with the variable DJL looks for
 * a download. Intra-op threads and the graph optimizer are thread-local in libtorch, so every inference
 * thread also calls {@link #configureCurrentThread}.
 */
public final class TorchRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(TorchRuntime.class);
  static final String ENGINE = "PyTorch";

  private static EngineConfig started;
  private static Engine engine;

  private TorchRuntime() {}

  /** Starts the engine (first call) or returns the running one. */
  public static synchronized Engine start(EngineConfig config) {
    Objects.requireNonNull(config, "config");
    if (engine != null) {
      if (started.intraOpThreads() != config.intraOpThreads()
          || started.interOpThreads() != config.interOpThreads()) {
        LOG.warn("PyTorch engine already started with {} intra-op / {} inter-op threads; {} / {} requested. "
            + "Intra-op threads apply per inference thread, inter-op threads stay as started.",
            started.intraOpThreads(), started.interOpThreads(), config.intraOpThreads(), config.interOpThreads());
      }
      return engine;
    }
    String pinnedVersion = System.getenv("PYTORCH_VERSION") != null ? System.getenv("PYTORCH_VERSION")
        : System.getProperty("PYTORCH_VERSION");
    if (pinnedVersion != null) {
      throw new ModelLoadException("PYTORCH_VERSION is set (" + pinnedVersion + "): unset it; libtorch's version "
          + "comes from the pytorch-native jar on the classpath, and PYTORCH_VERSION makes DJL look for a download.");
    }
    passiveOpenMpWaits();
    setIfAbsent("ai.djl.offline", "true");
    setIfAbsent("ai.djl.pytorch.graph_optimizer", "false");
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(config.intraOpThreads()));
    System.setProperty("ai.djl.pytorch.num_interop_threads", Integer.toString(config.interOpThreads()));
    if (config.cacheDir() != null) {
      String fromEnvironment = System.getenv("DJL_CACHE_DIR");
      if (fromEnvironment != null && !fromEnvironment.equals(config.cacheDir().toString())) {
        LOG.warn("DJL_CACHE_DIR={} from the environment wins over the configured cache folder {}",
            fromEnvironment, config.cacheDir());
      }
      System.setProperty("DJL_CACHE_DIR", config.cacheDir().toAbsolutePath().toString());
    }
    try {
      engine = Engine.getEngine(ENGINE);
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      throw new ModelLoadException("Cannot start the PyTorch engine (" + rootMessage(e) + "): put "
          + "ai.djl.pytorch:pytorch-native-cpu:2.7.1:linux-x86_64 and ai.djl.pytorch:pytorch-jni:2.7.1-0.36.0 on "
          + "the runtime classpath and make the DJL cache folder (DJL_CACHE_DIR, default ~/.djl.ai) writable.", e);
    }
    started = config;
    LOG.info("PyTorch {} engine started (DJL {}): {} intra-op / {} inter-op threads, graph optimizer {}, GPUs {}",
        engine.getVersion(), Engine.getDjlVersion(), config.intraOpThreads(), config.interOpThreads(),
        System.getProperty("ai.djl.pytorch.graph_optimizer"), engine.getGpuCount());
    return engine;
  }

  /**
   * The device for a choice: {@code auto} is the first GPU if libtorch has CUDA and sees a GPU, else the CPU.
   *
   * @throws ModelLoadException for {@code gpu} without a usable GPU
   */
  public static Device resolveDevice(Engine engine, DeviceChoice choice) {
    boolean cuda = engine.hasCapability(StandardCapabilities.CUDA);
    int gpus = engine.getGpuCount();
    return switch (choice) {
      case CPU -> Device.cpu();
      case AUTO -> cuda && gpus > 0 ? Device.gpu() : Device.cpu();
      case GPU -> {
        if (!cuda || gpus == 0) {
          throw new ModelLoadException("Device gpu was requested but DJL sees no usable GPU (libtorch "
              + engine.getVersion() + (cuda ? " with CUDA" : " without CUDA, CPU build") + ", " + gpus
              + " GPUs visible): set the device to cpu or auto, or deploy libtorch's CUDA build on a GPU host"
              + " (see the io.spinestream.common.inference package documentation).");
        }
        yield Device.gpu();
      }
    };
  }

  /**
   * Applies the thread-local libtorch settings to the calling thread: intra-op threads and the graph
   * optimizer (see the class comment). Call it on every thread that runs forwards, before the first.
   */
  static void configureCurrentThread(EngineConfig config) {
    JniUtils.setNumThreads(config.intraOpThreads());
    JniUtils.setGraphExecutorOptimize(Boolean.parseBoolean(System.getProperty("ai.djl.pytorch.graph_optimizer")));
  }

  /** C library, to set an environment variable that native code reads when it loads. */
  private interface LibC extends Library {
    int setenv(String name, String value, int overwrite);
  }

  private static void passiveOpenMpWaits() {
    if (System.getenv("OMP_WAIT_POLICY") != null) {
      return;
    }
    try {
      Native.load("c", LibC.class).setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      LOG.warn("Cannot set OMP_WAIT_POLICY=PASSIVE ({}): set it in the environment of services that share cores",
          e.getMessage());
    }
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    String[] lines = message.strip().split("\n");
    // TorchScript errors start with a generic header and a traceback; the reason is the last line.
    return lines[0].startsWith("The following operation failed in the TorchScript interpreter")
        ? lines[lines.length - 1].strip() : lines[0];
  }
}
