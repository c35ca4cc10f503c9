package io.spinestream.dashboard;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.spinestream.common.config.ConfigException;
import io.spinestream.common.config.Setting;
import io.spinestream.common.config.Settings;
import io.spinestream.common.kafka.KafkaSettings;
import io.spinestream.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The dashboard service: a web page of the studies as they are scored. */
public final class DashboardMain {
  private static final Logger LOG = LoggerFactory.getLogger(DashboardMain.class);
  static final Setting<String> HOST = Setting.string("dashboard.http.host", "127.0.0.1", "address of the page");
  static final Setting<Integer> PORT = Setting.integer("dashboard.http.port", 8090, "port of the page (0 = any free)")
      .between(0, 65535);
  static final Setting<String> TOKEN = Setting.string("dashboard.token", null,
      "if set, the data (/api/...) and /metrics require this token (?token= or Authorization: Bearer); the page's "
          + "static files and /health hold no data and do not").optionalValue();
  static final Setting<Duration> HISTORY = Setting.millis("dashboard.history.ms", 86_400_000L,
      "how far back in the topics a (re)started dashboard begins");
  static final Setting<Integer> MAX_STUDIES = Setting.integer("dashboard.max.studies", 100,
      "studies kept on the page (the least recently updated are dropped)").between(1, 100_000);

  private DashboardMain() {}

  static List<Setting<?>> settings() {
    List<Setting<?>> all = new ArrayList<>(KafkaSettings.SETTINGS);
    all.addAll(List.of(HOST, PORT, TOKEN, HISTORY, MAX_STUDIES));
    return all;
  }

  public static Settings settings(Map<String, String> environment, String... args) {
    return Settings.load(settings(), KafkaSettings.passThroughGroups(), environment, args);
  }

  /** A running dashboard; close to stop it. */
  public record Running(DashboardServer server, ScoreFeed feed, Thread feedThread) implements AutoCloseable {
    public int port() {
      return server.port();
    }

    @Override
    public void close() {
      feed.close();
      server.close();
    }
  }

  public static Running start(Settings settings) throws Exception {
    KafkaSettings kafka = new KafkaSettings(settings);
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    StudyBoard board = new StudyBoard(settings.get(MAX_STUDIES));
    Gauge.builder("spine.dashboard.studies.per.hour", board, b -> b.stats(System.currentTimeMillis()).studiesPerHour())
        .register(metrics);
    Gauge.builder("spine.dashboard.latency.p95.ms", board, b -> b.stats(System.currentTimeMillis()).latencyP95Ms())
        .register(metrics);
    ScoreFeed feed = new ScoreFeed(kafka.clientProperties(), kafka.registryClient(), board,
        kafka.sourceTopic(Topics.SLICES).name(), kafka.topic(Topics.CROPS).name(), kafka.topic(Topics.SCORES).name(),
        settings.get(HISTORY), metrics);
    Thread thread = new Thread(feed, "dashboard-feed");
    thread.setDaemon(true);
    thread.start();
    DashboardServer server = new DashboardServer(settings.get(HOST), settings.get(PORT), board, metrics,
        settings.get(TOKEN));
    LOG.info("dashboard on http://{}:{}/", settings.get(HOST), server.port());
    return new Running(server, feed, thread);
  }

  public static void main(String[] args) {
    int code = 0;
    try {
      Running running = start(settings(System.getenv(), args));
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        running.close();
        stopped.countDown();
      }, "dashboard-shutdown"));
      LOG.info("dashboard running");
      stopped.await();
    } catch (ConfigException e) {
      LOG.error("dashboard cannot start: {}", e.getMessage());
      code = 2;
    } catch (Exception e) {
      LOG.error("dashboard failed: {}", e.getMessage(), e);
      code = 1;
    }
    System.exit(code);
  }
}
