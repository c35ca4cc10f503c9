package io.spinestream.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class FreePortsTest {
  @Test
  void shouldGiveDistinctPortsThatCanAllBeBoundTogether() throws Exception {
    List<Integer> ports = FreePorts.distinct(40);

    assertThat(new HashSet<>(ports)).hasSize(40);
    List<ServerSocket> bound = new ArrayList<>();
    try {
      for (int port : ports) {
        bound.add(new ServerSocket(port));
      }
      assertThat(bound).hasSize(40);
    } finally {
      for (ServerSocket socket : bound) {
        socket.close();
      }
    }
  }
}
