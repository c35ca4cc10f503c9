package io.spinestream.it;

import io.spinestream.schemas.ItStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A service running as its own JVM from its module's jar, as in production, so a test can kill it the
 * hard way ({@code kill -9}: no shutdown hook, no flush, no commit) and start it again.
 */
final class ServiceProcess implements AutoCloseable {
  static final Path ROOT = Path.of(System.getProperty("spine.root", "..")).toAbsolutePath().normalize();

  private final String name;
  private final String module;
  private final List<String> args;
  private final Path log;
  private Process process;

  ServiceProcess(String module, Path workDir, String... args) {
    this(module, module, workDir, args);
  }

  /** {@code name} tells two instances of one module apart (e.g. a live and a replay segmenter): it names the log. */
  ServiceProcess(String name, String module, Path workDir, String... args) {
    this.name = name;
    this.module = module;
    this.args = List.of(args);
    this.log = workDir.resolve(name + ".log");
  }

  String name() {
    return name;
  }

  String module() {
    return module;
  }

  List<String> arguments() {
    return args;
  }

  /** Common flags: the test stack, a private topic prefix, a state folder under the test's folder. */
  static List<String> baseArgs(String module, String prefix, Path workDir) {
    return List.of("--kafka.bootstrap.servers=" + ItStack.BOOTSTRAP_SERVERS, "--registry.url=" + ItStack.REGISTRY_URL,
        "--topics.prefix=" + prefix, "--topics.partitions=2", "--" + module + ".application.id=" + prefix + module,
        "--" + module + ".state.dir=" + workDir.resolve("state-" + module));
  }

  static Path jar(String module) throws IOException {
    try (var files = Files.list(ROOT.resolve(module).resolve("target"))) {
      return files.filter(p -> p.getFileName().toString().matches("spine-" + module + "-[^-]+(-SNAPSHOT)?\\.jar"))
          .findFirst().orElseThrow(() -> new IllegalStateException("no jar of " + module + " under " + ROOT
              + ": run the integration tests through mvn verify (after package)"));
    }
  }

  void start() throws IOException {
    List<String> command = new ArrayList<>(List.of("java", "-Xmx768m", "-XX:+UseSerialGC", "-jar",
        jar(module).toString()));
    command.addAll(args);
    process = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
  }

  /** Whether it was started and has not exited. */
  boolean alive() {
    return process != null && process.isAlive();
  }

  /** Waits until the service logs that it runs (or fails the test with its log's tail). */
  void awaitRunning(Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log).contains(module + " running")) {
        return;
      }
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + tail());
      }
      Thread.sleep(200);
    }
    throw new AssertionError(name + " not running after " + timeout.toSeconds() + " s:\n" + tail());
  }

  /** Waits until the process ends on its own; returns its exit code (fails the test when it keeps running). */
  int awaitExit(Duration timeout) throws IOException, InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(module + " still running after " + timeout.toSeconds() + " s:\n" + tail());
    }
    return process.exitValue();
  }

  String log() throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  /** kill -9. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  String tail() throws IOException {
    List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
