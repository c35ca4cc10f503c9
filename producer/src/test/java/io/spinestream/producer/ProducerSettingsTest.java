package io.spinestream.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.spinestream.common.config.ConfigException;
import io.spinestream.common.config.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProducerSettingsTest {
  private static Settings load(String... flags) {
    String[] args = new String[flags.length + 2];
    args[0] = "--kafka.bootstrap.servers=b:9092";
    args[1] = "--registry.url=http://r:8081";
    System.arraycopy(flags, 0, args, 2, flags.length);
    return ProducerMain.settings(Map.of(), args);
  }

  @Test
  void shouldReadTheCallingAeTitleAllowList() {
    assertThat(ProducerSettings.allowedCallingAeTitles(load().get(ProducerSettings.SCP_ALLOWED_CALLING_AE_TITLES)))
        .as("empty: any").isEmpty();
    assertThat(ProducerSettings.allowedCallingAeTitles(load("--producer.scp.allowed.calling.ae.titles= CT_1 ,PACS,")
        .get(ProducerSettings.SCP_ALLOWED_CALLING_AE_TITLES))).containsExactlyInAnyOrder("CT_1", "PACS");
    assertThatThrownBy(() -> load("--producer.scp.allowed.calling.ae.titles=CT_1,SEVENTEEN_CHARS_XX"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("producer.scp.allowed.calling.ae.titles must be AE "
            + "titles of 1-16 characters");
  }

  @Test
  void shouldRefuseADecodingBudgetSmallerThanTheLargestFile() {
    assertThat(ProducerMain.limits(load()).maxFileBytes()).isEqualTo(64L << 20);
    assertThatThrownBy(() -> ProducerMain.limits(load("--producer.max.file.mb=200")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("producer.decode.max.mb (128) must be at least producer.max.file.mb (200)");
  }
}
