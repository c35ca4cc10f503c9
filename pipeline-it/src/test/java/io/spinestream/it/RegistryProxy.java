package io.spinestream.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A schema registry behind TLS and basic auth, as production registries are: Apicurio 2.6 does basic auth only with
 * Keycloak, so this HTTPS server checks the credentials (401 otherwise) and forwards every request to the stack's
 * real registry. Its certificate is the local stack's server certificate (127.0.0.1, signed by the stack's CA).
 */
final class RegistryProxy implements AutoCloseable {
  private static final List<String> FORWARDED_HEADERS = List.of("Content-Type", "Accept");

  private final HttpsServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
    Thread thread = new Thread(r, "registry-proxy");
    thread.setDaemon(true);
    return thread;
  });
  private final HttpClient upstream = HttpClient.newHttpClient();
  private final URI origin;
  private final String basePath;
  private final byte[] expectedAuthorization;
  private final AtomicInteger forwarded = new AtomicInteger();
  private final AtomicInteger refused = new AtomicInteger();

  /**
   * @param registryUrl the real registry, e.g. http://127.0.0.1:18081/apis/ccompat/v7
   * @param keyStore PKCS12 key store with the server's key and certificate chain
   */
  RegistryProxy(String registryUrl, Path keyStore, String storePassword, String user, String password)
      throws Exception {
    URI real = URI.create(registryUrl);
    this.origin = URI.create(real.getScheme() + "://" + real.getHost() + ":" + real.getPort());
    this.basePath = real.getPath();
    this.expectedAuthorization = ("Basic " + Base64.getEncoder()
        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8))).getBytes(StandardCharsets.UTF_8);
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keyStore)) {
      store.load(in, storePassword.toCharArray());
    }
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, storePassword.toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(keys.getKeyManagers(), null, null);
    server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The registry URL clients use: https, this proxy's port, the real registry's path. */
  String url() {
    return "https://127.0.0.1:" + server.getAddress().getPort() + basePath;
  }

  /** Requests with the right credentials, passed to the registry. */
  int forwarded() {
    return forwarded.get();
  }

  /** Requests refused with 401. */
  int refused() {
    return refused.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String offered = exchange.getRequestHeaders().getFirst("Authorization");
      if (offered == null || !MessageDigest.isEqual(offered.getBytes(StandardCharsets.UTF_8), expectedAuthorization)) {
        refused.incrementAndGet();
        exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"schema-registry\"");
        byte[] body = "{\"error_code\":401,\"message\":\"Unauthorized\"}".getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(401, body.length);
        exchange.getResponseBody().write(body);
        return;
      }
      byte[] requestBody = exchange.getRequestBody().readAllBytes();
      HttpRequest.Builder request = HttpRequest.newBuilder(origin.resolve(exchange.getRequestURI().toString()))
          .method(exchange.getRequestMethod(), requestBody.length == 0 ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(requestBody));
      for (String header : FORWARDED_HEADERS) {
        String value = exchange.getRequestHeaders().getFirst(header);
        if (value != null) {
          request.header(header, value);
        }
      }
      HttpResponse<byte[]> response = upstream.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      forwarded.incrementAndGet();
      response.headers().firstValue("Content-Type").ifPresent(v -> exchange.getResponseHeaders().add("Content-Type", v));
      byte[] body = response.body();
      exchange.sendResponseHeaders(response.statusCode(), body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
