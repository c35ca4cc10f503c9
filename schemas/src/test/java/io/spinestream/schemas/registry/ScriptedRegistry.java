package io.spinestream.schemas.registry;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An HTTP server that answers with a scripted sequence of responses and records what it was asked. For
 * unit tests of the client's retry, failover and error handling only; the client's behaviour against a
 * real registry is covered by the integration tests.
 */
final class ScriptedRegistry implements AutoCloseable {
  record Response(int status, String body) {}

  record Request(String method, String path, String authorization, String body) {}

  private final HttpServer server;
  private final Deque<Response> script = new ArrayDeque<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  ScriptedRegistry() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
          exchange.getRequestHeaders().getFirst("Authorization"), body));
      Response response;
      synchronized (script) {
        response = script.isEmpty() ? new Response(500, "{\"error_code\":50001,\"message\":\"unscripted\"}")
            : script.poll();
      }
      byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
      exchange.sendResponseHeaders(response.status(), bytes.length == 0 ? -1 : bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.start();
  }

  ScriptedRegistry then(int status, String body) {
    synchronized (script) {
      script.add(new Response(status, body));
    }
    return this;
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  List<Request> requests() {
    return requests;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
