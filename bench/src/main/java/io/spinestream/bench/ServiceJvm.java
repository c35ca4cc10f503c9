package io.spinestream.bench;

import io.spinestream.common.http.LocalHttp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One service as its own JVM from its module's runnable jar, started the way {@code ./spine run} starts it
 * ({@code java -Xmx1g -jar target/spine-<module>-*.jar ARGS}, from the repository root), with its
 * {@code /health} and {@code /metrics} on a port of its own.
 */
final class ServiceJvm implements AutoCloseable {

  private final String name;
  private final int httpPort;
  private final Path log;
  private final Process process;

  private ServiceJvm(String name, int httpPort, Path log, Process process) {
    this.name = name;
    this.httpPort = httpPort;
    this.log = log;
    this.process = process;
  }

  /** Starts {@code module}'s jar with {@code jvmOptions} and {@code args}; output goes to {@code log}. */
  static ServiceJvm start(String name, String module, int httpPort, List<String> jvmOptions, List<String> args,
      Path log) throws IOException {
    List<String> command = new ArrayList<>(List.of("java"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar(module).toString()));
    command.addAll(args);
    Files.createDirectories(log.toAbsolutePath().getParent());
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
    return new ServiceJvm(name, httpPort, log, process);
  }

  /** The module's runnable jar, as {@code ./spine build} leaves it. */
  static Path jar(String module) throws IOException {
    Path target = Path.of(module, "target");
    if (Files.isDirectory(target)) {
      try (var files = Files.list(target)) {
        var found = files.filter(p -> p.getFileName().toString().matches("spine-" + module + "-[^-]+(-SNAPSHOT)?\\.jar"))
            .findFirst();
        if (found.isPresent()) {
          return found.get();
        }
      }
    }
    throw new IllegalStateException("no runnable jar of " + module + " in " + target.toAbsolutePath()
        + ": run ./spine build (./spine bench builds what is missing)");
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Waits until {@code /health} answers 200; fails with the end of the log if the JVM exits first. */
  void awaitHealthy(long deadlineNanos) throws IOException, InterruptedException {
    while (System.nanoTime() < deadlineNanos) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + " during start-up:\n" + tail());
      }
      if (get("/health") != null) {
        return;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(name + " not healthy in time:\n" + tail());
  }

  /** The body of {@code GET path} when it answers 200, else null. */
  String get(String path) {
    return LocalHttp.bodyIfOk(httpPort, path, Duration.ofSeconds(5));
  }

  String tail() {
    try {
      List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** SIGTERM (the service's orderly shutdown), then SIGKILL after 45 s, as {@code ./spine run} stops it. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(45, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
