package io.spinestream.common.streams;

import io.spinestream.common.config.ConfigException;
import io.spinestream.common.config.Settings;
import io.spinestream.common.inference.ModelLoadException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code main} of every Kafka Streams service: loads its settings, starts it, closes it on shutdown and exits
 * with 0 once it has stopped, 2 for a configuration error, 1 for a model that cannot be loaded or any other
 * failure. A configuration or model error is logged as one line, which names the setting or file and the fix (a
 * stack trace would bury it); any other failure with its trace.
 */
public final class ServiceMain {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceMain.class);

  /** A started service, RUNNING when returned; close to stop it. */
  public interface Started extends AutoCloseable {
    StreamsRunner runner();

    @Override
    void close();
  }

  /** Starts a service from its settings. */
  @FunctionalInterface
  public interface Starter {
    Started start(Settings settings) throws Exception;
  }

  private ServiceMain() {}

  /** Runs the service until it stops, then exits the JVM with {@link #exitCode}'s status. */
  public static void run(String service, Supplier<Settings> settings, Starter starter) {
    System.exit(exitCode(service, settings, starter));
  }

  /** Runs the service until it stops; the process's exit status. */
  static int exitCode(String service, Supplier<Settings> settings, Starter starter) {
    try {
      Settings loaded = settings.get();
      LOG.info("{} starting with {}", service, loaded.describe());
      Started started = starter.start(loaded);
      Runtime.getRuntime().addShutdownHook(new Thread(started::close, service + "-shutdown"));
      LOG.info("{} running", service);
      return started.runner().awaitStop();
    } catch (ConfigException e) {
      LOG.error("{} cannot start: {}", service, e.getMessage());
      return 2;
    } catch (ModelLoadException e) {
      LOG.error("{} cannot start: {}", service, e.getMessage());
      return 1;
    } catch (Exception e) {
      LOG.error("{} failed: {}", service, e.getMessage(), e);
      return 1;
    }
  }
}
