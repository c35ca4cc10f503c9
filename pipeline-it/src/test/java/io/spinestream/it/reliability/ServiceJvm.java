package io.spinestream.it.reliability;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * One service as its own JVM from its module's jar, as deployed: it can be killed the hard way
 * ({@code kill -9}: no shutdown hook, no flush, no commit), started again with the same arguments, and its
 * resident memory read from {@code /proc}. Every start appends to the same log, and readiness is looked
 * for only in what this start wrote.
 */
final class ServiceJvm implements AutoCloseable {
  static final Path ROOT = Path.of(System.getProperty("spine.root", "..")).toAbsolutePath().normalize();

  private final String name;
  private final String module;
  private final List<String> args;
  private final String readyLine;
  private final String heap;
  private final Path log;
  private Process process;
  private long logOffset;
  private int starts;

  /**
   * @param name how the suites call it (also the log's name)
   * @param module the Maven module whose jar runs
   * @param readyLine what the service logs once it serves ("segmenter running", "producer serving")
   */
  ServiceJvm(String name, String module, String readyLine, String heap, Path workDir, List<String> args) {
    this.name = name;
    this.module = module;
    this.readyLine = readyLine;
    this.heap = heap;
    this.args = List.copyOf(args);
    this.log = workDir.resolve(name + ".log");
  }

  String name() {
    return name;
  }

  Path log() {
    return log;
  }

  /** How many times it was started (1 + restarts). */
  int starts() {
    return starts;
  }

  static Path jar(String module) throws IOException {
    try (var files = Files.list(ROOT.resolve(module).resolve("target"))) {
      return files.filter(p -> p.getFileName().toString().matches("spine-" + module + "-[^-]+(-SNAPSHOT)?\\.jar"))
          .findFirst().orElseThrow(() -> new IllegalStateException("no jar of " + module + " under " + ROOT
              + ": run the integration tests through mvn verify (after package)"));
    }
  }

  void start() throws IOException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(name + " is already running");
    }
    List<String> command = new ArrayList<>(List.of("java", "-Xmx" + heap, "-XX:+UseSerialGC",
        "-Dspine.it.service=" + name, "-jar", jar(module).toString()));
    command.addAll(args);
    logOffset = Files.exists(log) ? Files.size(log) : 0;
    Files.writeString(log, String.format("%n===== start %d of %s =====%n", starts + 1, name), StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    process = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    starts++;
  }

  /** Waits until this start logged its ready line; fails with the log's tail if it exits or takes too long. */
  void awaitReady(Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (sinceStart().contains(readyLine)) {
        return;
      }
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited with " + process.exitValue() + " during start " + starts + ":\n" + tail());
      }
      Thread.sleep(250);
    }
    throw new AssertionError(name + " not ready after " + timeout.toSeconds() + " s:\n" + tail());
  }

  /** What the current start has logged so far. */
  String sinceStart() throws IOException {
    if (!Files.exists(log)) {
      return "";
    }
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      long length = file.length();
      byte[] bytes = new byte[(int) Math.max(0, length - logOffset)];
      file.seek(logOffset);
      file.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  /** kill -9: the JVM gets no chance to flush, commit or close anything. */
  void kill9() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(60, TimeUnit.SECONDS);
    }
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  /** Exit status once it has exited, else empty. */
  OptionalLong exitStatus() {
    return process == null || process.isAlive() ? OptionalLong.empty() : OptionalLong.of(process.exitValue());
  }

  long pid() {
    return process == null ? -1 : process.pid();
  }

  /** Resident set size in KiB (VmRSS of /proc/PID/status), empty when not running. */
  OptionalLong rssKib() {
    if (!alive()) {
      return OptionalLong.empty();
    }
    return Rss.ofPid(process.pid());
  }

  String tail() throws IOException {
    List<String> lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  /** Graceful stop (SIGTERM: shutdown hook, bounded close), then kill -9 after 45 s. */
  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(45, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }
}
