package io.spinestream.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.spinestream.common.metrics.PipelineFlowMetrics;
import io.spinestream.common.metrics.ServiceMetrics;
import io.spinestream.events.StudyScore;
import io.spinestream.events.VertebraCrop;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * The dashboard's web endpoints: the page ({@code /}, {@code /app.js}, {@code /style.css}), the data
 * ({@code /api/studies}, {@code /api/studies/<uid>/sagittal.png}, {@code /api/stats}), and {@code /health},
 * {@code /metrics}. With a token configured, the data ({@code /api/...}) and {@code /metrics} require it, as
 * {@code Authorization: Bearer <token>} or {@code ?token=<token>} (the page passes its own {@code ?token=} on);
 * the page's static files and {@code /health} hold no data and do not.
 */
final class DashboardServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final StudyBoard board;
  private final String token;

  DashboardServer(String host, int port, StudyBoard board, PrometheusMeterRegistry metrics, String token)
      throws IOException {
    this.board = board;
    this.token = token == null || token.isBlank() ? null : token;
    server = HttpServer.create(new InetSocketAddress(host, port), 0);
    server.setExecutor(Executors.newFixedThreadPool(4, r -> {
      Thread thread = new Thread(r, "dashboard-http");
      thread.setDaemon(true);
      return thread;
    }));
    server.createContext("/health", exchange -> send(exchange, 200, "application/json",
        "{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8)));
    PipelineFlowMetrics flow = ServiceMetrics.bindTo(metrics);
    server.createContext("/metrics", guarded(exchange -> {
      flow.refresh();
      send(exchange, 200, "text/plain; version=0.0.4", metrics.scrape().getBytes(StandardCharsets.UTF_8));
    }));
    server.createContext("/api/stats", guarded(this::stats));
    server.createContext("/api/studies", guarded(this::studies));
    // The page's static files hold no patient data; the data behind them (/api) needs the token.
    server.createContext("/", exchange -> {
      try {
        page(exchange);
      } catch (RuntimeException e) {
        send(exchange, 500, "text/plain", ("error: " + e.getMessage()).getBytes(StandardCharsets.UTF_8));
      }
    });
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  private interface Handler {
    void handle(HttpExchange exchange) throws IOException;
  }

  private com.sun.net.httpserver.HttpHandler guarded(Handler handler) {
    return exchange -> {
      try {
        if (token != null && !authorized(exchange)) {
          send(exchange, 401, "text/plain", "a token is required: ?token=... or Authorization: Bearer ...\n"
              .getBytes(StandardCharsets.UTF_8));
          return;
        }
        handler.handle(exchange);
      } catch (RuntimeException e) {
        send(exchange, 500, "text/plain", ("error: " + e.getMessage()).getBytes(StandardCharsets.UTF_8));
      }
    };
  }

  private boolean authorized(HttpExchange exchange) {
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    String offered = header != null && header.startsWith("Bearer ") ? header.substring(7) : queryToken(exchange);
    // Constant time, so the token cannot be guessed from response times.
    return offered != null && MessageDigest.isEqual(offered.getBytes(StandardCharsets.UTF_8),
        token.getBytes(StandardCharsets.UTF_8));
  }

  private static String queryToken(HttpExchange exchange) {
    String query = exchange.getRequestURI().getRawQuery();
    if (query == null) {
      return null;
    }
    for (String part : query.split("&")) {
      if (part.startsWith("token=")) {
        return URLDecoder.decode(part.substring(6), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private void page(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String resource = switch (path) {
      case "/", "/index.html" -> "index.html";
      case "/app.js" -> "app.js";
      case "/style.css" -> "style.css";
      default -> null;
    };
    if (resource == null) {
      send(exchange, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    try (InputStream in = DashboardServer.class.getResourceAsStream("/web/" + resource)) {
      String type = resource.endsWith(".js") ? "text/javascript" : resource.endsWith(".css") ? "text/css" : "text/html";
      send(exchange, 200, type + "; charset=utf-8", in.readAllBytes());
    }
  }

  private void stats(HttpExchange exchange) throws IOException {
    send(exchange, 200, "application/json", JSON.writeValueAsBytes(board.stats(System.currentTimeMillis())));
  }

  private void studies(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    if (path.endsWith("/sagittal.png")) {
      String uid = URLDecoder.decode(path.substring("/api/studies/".length(), path.length() - "/sagittal.png".length()),
          StandardCharsets.UTF_8);
      StudyBoard.Study study = board.get(uid);
      byte[] png = study == null ? null : SagittalImage.png(study);
      if (png == null) {
        send(exchange, 404, "text/plain", "no slices of this study yet\n".getBytes(StandardCharsets.UTF_8));
      } else {
        send(exchange, 200, "image/png", png);
      }
      return;
    }
    ArrayNode list = JSON.createArrayNode();
    for (StudyBoard.Study study : board.recent()) {
      list.add(json(study));
    }
    send(exchange, 200, "application/json", JSON.writeValueAsBytes(list));
  }

  static ObjectNode json(StudyBoard.Study study) {
    ObjectNode node = JSON.createObjectNode();
    node.put("study", study.uid);
    node.put("series", study.seriesUid);
    node.put("slices", study.columnsByZ.size());
    node.put("rows", study.rows);
    List<Double> z = List.copyOf(study.columnsByZ.keySet());
    double sliceSpacing = z.size() > 1 ? (z.get(z.size() - 1) - z.get(0)) / (z.size() - 1) : 1;
    node.put("aspect", study.rowSpacingMm > 0 ? sliceSpacing / study.rowSpacingMm : 1);
    ArrayNode crops = node.putArray("crops");
    for (VertebraCrop crop : study.crops.values()) {
      ObjectNode c = crops.addObject();
      c.put("vertebra", crop.getVertebra().name());
      c.put("found", crop.getFound());
      if (crop.getBox() != null) {
        c.put("y0", crop.getBox().getY0());
        c.put("y1", crop.getBox().getY1());
        c.put("z0", crop.getBox().getZ0());
        c.put("z1", crop.getBox().getZ1());
      }
    }
    StudyScore score = study.score;
    if (score != null) {
      ObjectNode s = node.putObject("score");
      s.put("patient_overall", score.getPatientOverall());
      double[] p = {score.getC1(), score.getC2(), score.getC3(), score.getC4(), score.getC5(), score.getC6(),
          score.getC7()};
      for (int v = 0; v < 7; v++) {
        s.put("C" + (v + 1), p[v]);
      }
      ArrayNode fallback = s.putArray("fallback");
      score.getFallbackVertebrae().forEach(v -> fallback.add(v.name()));
      s.put("aggregation", score.getAggregation());
      s.put("segmenter", score.getSegmenter().getName() + " " + score.getSegmenter().getVersion());
      s.put("classifier", score.getClassifier().getName() + " " + score.getClassifier().getVersion());
      s.put("scored_at", score.getScoredAt().toString());
      s.put("latency_ms", score.getScoredAt().toEpochMilli() - score.getLastSliceReceivedAt().toEpochMilli());
      s.put("first_slice_at", score.getFirstSliceReceivedAt().toString());
      s.put("last_slice_at", score.getLastSliceReceivedAt().toString());
    }
    return node;
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
    exchange.getResponseHeaders().add("Content-Type", type);
    exchange.getResponseHeaders().add("Cache-Control", "no-store");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
