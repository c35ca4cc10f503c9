package io.spinestream.common.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.common.config.Setting;
import io.spinestream.common.config.Settings;
import io.spinestream.common.inference.EngineConfig;
import io.spinestream.common.inference.ModelCard;
import io.spinestream.common.inference.TorchModel;
import io.spinestream.common.kafka.KafkaSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exit status of a service's main for each way its start can end. */
class ServiceMainTest {
  @TempDir
  Path dir;

  @Test
  void shouldExitWithTwoForAConfigurationError() {
    StreamsSettings streams = new StreamsSettings("test");
    List<Setting<?>> declared = new ArrayList<>(streams.all());
    declared.addAll(KafkaSettings.SETTINGS);
    Supplier<Settings> invalid = () -> Settings.load(declared, KafkaSettings.passThroughGroups(), Map.of(),
        new String[] {"--test.rocksdb.memory.mib=1"});

    assertThat(ServiceMain.exitCode("test", invalid, settings -> {
      throw new AssertionError("started with invalid settings");
    })).isEqualTo(2);
  }

  @Test
  void shouldExitWithOneForAModelThatCannotBeLoaded() {
    Path missingCard = dir.resolve("missing.json");

    assertThat(ServiceMain.exitCode("test", ServiceMainTest::validSettings, settings -> {
      TorchModel.load(missingCard, ModelCard.TASK_SEGMENTATION, EngineConfig.cpu(1));
      throw new AssertionError("a missing card loaded");
    })).isEqualTo(1);
  }

  @Test
  void shouldExitWithOneForAnyOtherFailure() {
    assertThat(ServiceMain.exitCode("test", ServiceMainTest::validSettings, settings -> {
      throw new IllegalStateException("broker unreachable");
    })).isEqualTo(1);
  }

  private static Settings validSettings() {
    List<Setting<?>> declared = new ArrayList<>(new StreamsSettings("test").all());
    declared.addAll(KafkaSettings.SETTINGS);
    return Settings.load(declared, KafkaSettings.passThroughGroups(),
        Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9", "REGISTRY_URL", "http://127.0.0.1:9"), new String[0]);
  }
}
