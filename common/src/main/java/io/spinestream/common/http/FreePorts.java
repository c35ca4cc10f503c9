package io.spinestream.common.http;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Free local ports for services that a benchmark or a test starts on one machine. */
public final class FreePorts {
  private FreePorts() {}

  /**
   * {@code count} distinct free ports. All sockets are held open until each has its port: opened and closed one
   * at a time, the system can hand out the same port twice (it did in CI: two services on one port, one exited
   * and the other answered its health check).
   */
  public static List<Integer> distinct(int count) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        sockets.add(new ServerSocket(0));
      }
      return sockets.stream().map(ServerSocket::getLocalPort).toList();
    } finally {
      for (ServerSocket socket : sockets) {
        socket.close();
      }
    }
  }
}
