package io.spinestream.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.spinestream.common.config.ConfigException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tools watch} checks its settings before it touches Kafka. */
class WatchSettingsTest {
  private static final String[] KAFKA = {"--kafka.bootstrap.servers=127.0.0.1:1", "--registry.url=http://127.0.0.1:1"};
  private static final PrintStream NOWHERE = new PrintStream(OutputStream.nullOutputStream());

  @Test
  void shouldRefuseToWatchWithoutStudies() {
    var settings = ToolsMain.settings(Map.of(), with("watch", "--watch.studies= , "));
    assertThatThrownBy(() -> ToolsMain.watch(settings, NOWHERE)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("--watch.studies=UID1,UID2").hasMessageContaining("WATCH_STUDIES");
  }

  @Test
  void shouldRefuseALabelsFileThatCannotBeRead(@TempDir Path dir) {
    var settings = ToolsMain.settings(Map.of(), with("watch", "--watch.studies=A",
        "--watch.labels=" + dir.resolve("missing.csv")));
    assertThatThrownBy(() -> ToolsMain.watch(settings, NOWHERE)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("watch.labels: cannot read").hasMessageContaining("missing.csv");
  }

  @Test
  void shouldRejectBadValuesAndUnknownKeysAtLoad() {
    assertThatThrownBy(() -> ToolsMain.settings(Map.of(), with("watch", "--watch.interval.ms=10",
        "--watch.timeout=5"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("watch.interval.ms must be >= 100 ms")
        .hasMessageContaining("unknown setting 'watch.timeout'");
  }

  @Test
  void shouldTakeSettingsFromTheEnvironmentToo() {
    var settings = ToolsMain.settings(Map.of("WATCH_TIMEOUT_MS", "1500", "WATCH_REQUIRE_UNSEEN", "true"), with("watch"));
    assertThat(settings.get(ToolsMain.WATCH_TIMEOUT)).isEqualTo(Duration.ofMillis(1500));
    assertThat(settings.get(ToolsMain.WATCH_REQUIRE_UNSEEN)).isTrue();
    assertThat(settings.get(ToolsMain.WATCH_INTERVAL)).isEqualTo(Duration.ofSeconds(5));
  }

  private static String[] with(String... args) {
    String[] all = new String[KAFKA.length + args.length];
    System.arraycopy(args, 0, all, 0, args.length);
    System.arraycopy(KAFKA, 0, all, args.length, KAFKA.length);
    return all;
  }
}
