package io.spinestream.it.reliability;

import static org.assertj.core.api.Assertions.fail;

import io.spinestream.schemas.ItStack;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The test stack's broker or registry (started by {@code ./spine test} through scripts/stack.sh), stopped
 * and started again from inside a test: the pid file under the stack folder names the process; its command
 * line and working folder are read from {@code /proc} before it is stopped, and it is started again with
 * exactly that command (so the same ports, data and marker), detached (setsid) and with its pid written
 * back, so {@code ./spine stack down} still stops it. The stack folder comes from
 * {@code -Dspine.it.stack.dir} (which {@code ./spine test} passes), else the development stack's.
 */
final class StackProcess {
  private final String name;
  private final Path pidFile;
  private final Path outFile;
  private List<String> command;
  private Path workingDir;

  private StackProcess(String name, Path pidFile, Path outFile) {
    this.name = name;
    this.pidFile = pidFile;
    this.outFile = outFile;
  }

  static Path stackDir() {
    return Path.of(System.getProperty("spine.it.stack.dir", ServiceJvm.ROOT.resolve("build/stack").toString()));
  }

  static StackProcess broker() {
    return new StackProcess("Kafka broker", stackDir().resolve("kafka.pid"), stackDir().resolve("logs/kafka.out"));
  }

  static StackProcess registry() {
    return new StackProcess("schema registry", stackDir().resolve("registry.pid"), stackDir().resolve("logs/registry.log"));
  }

  String name() {
    return name;
  }

  /** Fails the test, naming the fix, when the process cannot be found (not run through ./spine test). */
  long pid() throws IOException {
    if (!Files.exists(pidFile)) {
      fail("no pid file " + pidFile + ": the fault suites stop and start the stack's " + name + " and need the stack "
          + "folder; run them with ./spine test or ./spine faults (which pass -Dspine.it.stack.dir)");
    }
    long pid = Long.parseLong(Files.readString(pidFile).trim());
    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      return pid;
    }
    return fail(name + " (pid " + pid + " from " + pidFile + ") is not running");
  }

  /** Stops it: kill -9 when {@code hard}, else SIGTERM (an orderly shutdown); returns once it has exited. */
  void stop(boolean hard) throws IOException, InterruptedException {
    long pid = pid();
    byte[] cmdline = Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "cmdline"));
    command = Arrays.asList(new String(cmdline, StandardCharsets.UTF_8).split("\0"));
    workingDir = Files.readSymbolicLink(Path.of("/proc", String.valueOf(pid), "cwd"));
    ProcessHandle handle = ProcessHandle.of(pid).orElseThrow();
    if (hard) {
      handle.destroyForcibly();
    } else {
      handle.destroy();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (handle.isAlive()) {
      if (System.nanoTime() > deadline) {
        handle.destroyForcibly();
      }
      Thread.sleep(100);
    }
  }

  /** Starts it again with the command line it had; waits until it serves. */
  void start(Duration timeout) throws IOException, InterruptedException {
    if (command == null) {
      throw new IllegalStateException(name + " was not stopped by this test");
    }
    List<String> detached = new ArrayList<>(List.of("setsid"));
    detached.addAll(command);
    Process process = new ProcessBuilder(detached).directory(workingDir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(outFile.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    // setsid execs in place (a child of this JVM is no process-group leader), so this is the server's pid.
    Files.writeString(pidFile, process.pid() + "\n");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ready()) {
      if (!process.isAlive()) {
        fail(name + " exited at restart; see " + outFile);
      }
      if (System.nanoTime() > deadline) {
        fail(name + " not ready " + timeout.toSeconds() + " s after restart; see " + outFile);
      }
      Thread.sleep(250);
    }
  }

  private boolean ready() {
    return name.startsWith("Kafka") ? brokerReady() : registryReady();
  }

  static boolean brokerReady() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ItStack.BOOTSTRAP_SERVERS);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
    try (Admin admin = Admin.create(props)) {
      // Controller up and the broker registered: topics can be described again.
      return !admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty();
    } catch (Exception e) {
      return false;
    }
  }

  static boolean registryReady() {
    try {
      HttpResponse<Void> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()
          .send(HttpRequest.newBuilder(URI.create(ItStack.REGISTRY_URL + "/subjects")).timeout(Duration.ofSeconds(3))
              .GET().build(), HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
