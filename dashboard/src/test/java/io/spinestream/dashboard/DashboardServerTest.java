package io.spinestream.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * With {@code dashboard.token} set, every endpoint that returns data (studies, statistics, images, metrics) needs
 * the token, as a bearer header or {@code ?token=}; the page's static files and {@code /health}, which hold none,
 * do not. (The page in a real browser with its token: {@code DashboardIT}.)
 */
class DashboardServerTest {
  private static final String TOKEN = "s3cret";
  private static final List<String> DATA = List.of("api/studies", "api/stats", "api/studies/1.2.3/sagittal.png",
      "metrics");
  private final HttpClient http = HttpClient.newHttpClient();
  private DashboardServer server;

  private String start(String token) throws Exception {
    server = new DashboardServer("127.0.0.1", 0, new StudyBoard(10), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
        token);
    return "http://127.0.0.1:" + server.port() + "/";
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private HttpResponse<String> get(String url, String authorization) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void shouldRefuseEveryDataEndpointWithoutTheToken() throws Exception {
    String base = start(TOKEN);
    for (String path : DATA) {
      assertThat(get(base + path, null).statusCode()).as("%s without a token", path).isEqualTo(401);
      assertThat(get(base + path + "?token=wrong", null).statusCode()).as("%s, wrong ?token=", path).isEqualTo(401);
      assertThat(get(base + path, "Bearer " + TOKEN + "x").statusCode()).as("%s, wrong bearer", path).isEqualTo(401);
      assertThat(get(base + path, "Basic " + TOKEN).statusCode()).as("%s, not a bearer", path).isEqualTo(401);
      assertThat(get(base + path, null).body()).doesNotContain("study").doesNotContain("spine_");
    }
  }

  @Test
  void shouldServeTheDataWithTheTokenAsBearerOrQueryParameter() throws Exception {
    String base = start(TOKEN);
    for (String path : DATA) {
      int expected = path.endsWith(".png") ? 404 : 200; // no such study: past the token check, not found
      assertThat(get(base + path, "Bearer " + TOKEN).statusCode()).as("%s with bearer", path).isEqualTo(expected);
      assertThat(get(base + path + "?token=" + TOKEN, null).statusCode()).as("%s with ?token=", path)
          .isEqualTo(expected);
    }
    assertThat(get(base + "api/studies", "Bearer " + TOKEN).body()).isEqualTo("[]");
  }

  @Test
  void shouldServeThePageAndHealthWithoutTheTokenAsTheyHoldNoData() throws Exception {
    String base = start(TOKEN);
    assertThat(get(base, null).statusCode()).isEqualTo(200);
    assertThat(get(base + "app.js", null).statusCode()).isEqualTo(200);
    assertThat(get(base + "health", null).statusCode()).isEqualTo(200);
  }

  @Test
  void shouldServeEverythingWithoutATokenWhenNoneIsConfigured() throws Exception {
    String base = start(null);
    for (String path : DATA) {
      assertThat(get(base + path, null).statusCode()).as(path).isIn(200, 404);
    }
  }
}
