package io.spinestream.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.events.CtSlice;
import io.spinestream.events.StudyScore;
import io.spinestream.events.Vertebra;
import io.spinestream.events.VertebraCrop;
import io.spinestream.schemas.ItStack;
import io.spinestream.schemas.SampleEvents;
import io.spinestream.schemas.Topics;
import io.spinestream.schemas.serde.AvroSerializer;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard end to end: events on real topics, the page rendered by a real headless browser (Debian's
 * chromium): the DOM after the scripts ran shows the study, every probability and the fallback vertebra, and
 * the screenshot shows the score bars in their colours. Without its token the API refuses.
 */
class DashboardIT {
  private static final String TOKEN = "s3cret-token";

  @TempDir
  Path work;

  @Test
  void shouldRenderScoresInAHeadlessBrowser() throws Exception {
    String prefix = "it-" + ItStack.runId() + "-dash.";
    for (var topic : List.of(Topics.SLICES, Topics.CROPS, Topics.SCORES)) {
      ItStack.createTopic(prefix + topic.name(), 2, topic.maxMessageBytes());
    }
    StudyScore score = SampleEvents.studyScore(42);
    String study = score.getStudyInstanceUid();
    AvroSerializer<Object> values = new AvroSerializer<>(ItStack.registry());
    values.configure(ItStack.registryConfig(), false);
    try (var producer = ItStack.producer(new StringSerializer(), values)) {
      for (int k = 0; k < 40; k++) {
        CtSlice slice = SampleEvents.slice(42, k, 48, 64);
        producer.send(new ProducerRecord<>(prefix + Topics.SLICES.name(), study, slice));
      }
      for (Vertebra v : Vertebra.values()) {
        VertebraCrop crop = SampleEvents.crop(42, v, v != Vertebra.C1);
        if (crop.getBox() != null) {
          crop.getBox().setY0(10 + v.ordinal());
          crop.getBox().setY1(30);
          crop.getBox().setZ0(5 * v.ordinal());
          crop.getBox().setZ1(5 * v.ordinal() + 5);
        }
        producer.send(new ProducerRecord<>(prefix + Topics.CROPS.name(), study, crop));
      }
      producer.send(new ProducerRecord<>(prefix + Topics.SCORES.name(), study, score)).get();
    }

    try (DashboardMain.Running dashboard = DashboardMain.start(DashboardMain.settings(Map.of(),
        "--kafka.bootstrap.servers=" + ItStack.BOOTSTRAP_SERVERS, "--registry.url=" + ItStack.REGISTRY_URL,
        "--topics.prefix=" + prefix, "--dashboard.http.port=0", "--dashboard.token=" + TOKEN))) {
      String base = "http://127.0.0.1:" + dashboard.port() + "/";
      HttpClient http = HttpClient.newHttpClient();
      assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "api/studies")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).as("no token, no data").isEqualTo(401);
      awaitScored(http, base + "api/studies?token=" + TOKEN, study);

      String dom = chromium(List.of("--dump-dom", base + "?token=" + TOKEN));
      assertThat(dom).contains(study)
          .contains("data-label=\"patient_overall\" data-probability=\"0.9100\"")
          .contains("data-label=\"C2\" data-probability=\"0.8800\"")
          .contains("data-label=\"C1\" data-probability=\"0.0200\"")
          .contains("C1 (not found)")
          .contains(score.getClassifier().getName())
          .contains("<rect");

      // Kept under target/ so a person (or CI) can look at what the browser drew.
      Path screenshot = Path.of("target", "dashboard-screenshot.png").toAbsolutePath();
      chromium(List.of("--screenshot=" + screenshot, "--window-size=1280,900", base + "?token=" + TOKEN));
      BufferedImage image = ImageIO.read(screenshot.toFile());
      // patient_overall 0.91 and C2 0.88 are drawn red (hsl 11..14), C1 0.02 green (hsl 118): count them.
      assertThat(pixelsNear(image, hsl(120 * (1 - 0.91), 0.75, 0.48))).as("patient_overall bar").isGreaterThan(300);
      assertThat(pixelsNear(image, hsl(120 * (1 - 0.88), 0.75, 0.48))).as("C2 bar").isGreaterThan(300);
      assertThat(pixelsNear(image, hsl(120 * (1 - 0.05), 0.75, 0.48))).as("C3 bar").isGreaterThan(5);
    }
  }

  private static void awaitScored(HttpClient http, String url, String study) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      String body = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
          .body();
      if (body.contains(study) && body.contains("patient_overall") && body.contains("\"slices\":40")) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the dashboard did not show study " + study + " within 60 s");
  }

  private String chromium(List<String> args) throws Exception {
    List<String> command = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--user-data-dir=" + work.resolve("chromium-profile"), "--virtual-time-budget=5000"));
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("chromium finished").isTrue();
    assertThat(process.exitValue()).as("chromium (Debian package chromium; ./spine setup installs it)").isZero();
    return out;
  }

  private static int[] hsl(double hueDegrees, double s, double l) {
    double h = Math.round(hueDegrees) / 360.0;
    double q = l < 0.5 ? l * (1 + s) : l + s - l * s;
    double p = 2 * l - q;
    return new int[] {(int) Math.round(255 * hue(p, q, h + 1 / 3.0)), (int) Math.round(255 * hue(p, q, h)),
        (int) Math.round(255 * hue(p, q, h - 1 / 3.0))};
  }

  private static double hue(double p, double q, double t) {
    t = t < 0 ? t + 1 : (t > 1 ? t - 1 : t);
    if (t < 1 / 6.0) {
      return p + (q - p) * 6 * t;
    }
    if (t < 1 / 2.0) {
      return q;
    }
    if (t < 2 / 3.0) {
      return p + (q - p) * (2 / 3.0 - t) * 6;
    }
    return p;
  }

  private static int pixelsNear(BufferedImage image, int[] rgb) {
    int count = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int c = image.getRGB(x, y);
        int r = (c >> 16) & 0xff;
        int g = (c >> 8) & 0xff;
        int b = c & 0xff;
        if (Math.abs(r - rgb[0]) <= 4 && Math.abs(g - rgb[1]) <= 4 && Math.abs(b - rgb[2]) <= 4) {
          count++;
        }
      }
    }
    return count;
  }
}
