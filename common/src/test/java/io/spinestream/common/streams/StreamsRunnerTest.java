package io.spinestream.common.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service whose stream client is still rebalancing when its start timeout passes keeps running instead of
 * exiting. No broker: against an address where nothing listens, a client stays REBALANCING (retrying) for
 * as long as it is left, which stands for a long restore or a consumer group waiting for a crashed member.
 */
class StreamsRunnerTest {
  @TempDir
  Path state;

  @Test
  void shouldKeepRunningWhenStillRebalancingAfterTheStartTimeout() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Topology topology = new Topology();
    topology.addSource("in", Serdes.String().deserializer(), Serdes.String().deserializer(), "in");
    topology.addProcessor("noop", () -> new org.apache.kafka.streams.processor.api.Processor<String, String, Void, Void>() {
      @Override
      public void process(org.apache.kafka.streams.processor.api.Record<String, String> record) {
        // Nothing: no record ever comes.
      }
    }, "in");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "streams-runner-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port);
    props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());

    StreamsRunner runner = new StreamsRunner("test", topology, props, null, Duration.ofSeconds(5));
    try {
      runner.start(Duration.ofSeconds(2));
      assertThat(runner.state()).isEqualTo(KafkaStreams.State.REBALANCING);
      assertThat(runner.health().healthy()).as("/health while rebalancing").isTrue();
    } finally {
      runner.close();
    }
  }
}
