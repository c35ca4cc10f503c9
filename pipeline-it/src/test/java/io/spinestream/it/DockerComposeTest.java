package io.spinestream.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.spinestream.common.config.ConfigException;
import io.spinestream.common.config.Settings;
import io.spinestream.schemas.Topics;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * docker-compose.yml, checked without a Docker engine: {@code docker-compose config} (Compose v1, from
 * {@code ./spine setup}) validates and normalises it, and the normalised file is held against the services'
 * own settings, the Dockerfile and the local stack (scripts/stack.sh), so that the compose setup cannot drift
 * from what {@code ./spine stack} and the services do.
 *
 * <p>{@code -Dspine.compose.file=PATH} checks another compose file; the build context it names must hold the
 * Dockerfile and the models, as the repository does.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DockerComposeTest {
  private static final Path COMPOSE_FILE = Path.of(System.getProperty("spine.compose.file",
      ServiceProcess.ROOT.resolve("docker-compose.yml").toString())).toAbsolutePath();
  private static final Set<String> STACK = Set.of("kafka", "registry");
  private static final Set<String> SERVICES = Set.of("producer", "segmenter", "cropper", "classifier", "dashboard");
  /**
   * Local-stack broker settings the compose broker leaves at the image's defaults on purpose. Any other key
   * of kafka_write_config must be set to the same value in the compose file.
   */
  private static final Set<String> NOT_MIRRORED = Set.of(
      // The image's inter-broker listener is the PLAINTEXT one already.
      "inter.broker.listener.name",
      // Only used for auto-created topics, which are off in both.
      "num.partitions", "default.replication.factor",
      // Fewer internal partitions and a smaller dedupe buffer suit the local stack's small heap; the image's
      // 1 GiB heap takes the defaults.
      "offsets.topic.num.partitions", "transaction.state.log.num.partitions", "log.cleaner.dedupe.buffer.size");

  private static Map<String, ComposeService> compose;

  @BeforeAll
  static void normalise() {
    ComposeRun run = dockerCompose("config");
    assertThat(run.exitCode()).as("docker-compose config of %s failed: %s", COMPOSE_FILE, run.errors()).isZero();
    compose = ComposeService.parse(run.output());
  }

  @Test
  void shouldBeAValidComposeFile() {
    ComposeRun run = dockerCompose("config", "-q");

    assertThat(run.exitCode()).as("docker-compose config -q of %s: %s", COMPOSE_FILE, run.errors()).isZero();
  }

  @Test
  void shouldRunTheStackAndTheFiveServices() {
    ComposeRun run = dockerCompose("config", "--services");

    Set<String> expected = new TreeSet<>(STACK);
    expected.addAll(SERVICES);
    assertThat(run.output().lines()).as("docker-compose config --services")
        .containsExactlyInAnyOrderElementsOf(expected);
    assertThat(compose.keySet()).as("services parsed from docker-compose config").isEqualTo(expected);
  }

  @Test
  void shouldSetOnlySettingsTheServicesUnderstand() {
    SoftAssertions softly = new SoftAssertions();
    for (ComposeService service : applications()) {
      // Every service is checked even when one rejects its values.
      softly.check(() -> {
        Set<String> ignored = new TreeSet<>(service.environment().keySet());
        // Every declared setting is described, with its default where compose sets nothing, as are the
        // pass-through keys (kafka.*, registry.*) the environment gave.
        settingsOf(service, service.environment()).describe().keySet()
            .forEach(key -> ignored.remove(environmentVariable(key)));

        softly.assertThat(ignored).as("variables set on %s that are none of its settings (it ignores them)",
            service.name()).isEmpty();
      });
    }
    softly.assertAll();
  }

  @Test
  void shouldGiveTheInferenceServicesTheShippedModelsTheyDefaultTo() {
    SoftAssertions softly = new SoftAssertions();
    Set<String> withModels = new TreeSet<>();
    for (ComposeService service : applications()) {
      String name = service.name();
      String key = service.module() + ".model.card";
      String card = settingsOf(service, service.environment()).describe().get(key);
      if (card == null) {
        continue;
      }
      withModels.add(name);
      Map<String, String> withoutCard = new HashMap<>(service.environment());
      withoutCard.remove(environmentVariable(key));
      String builtIn = settingsOf(service, withoutCard).describe().get(key);

      Image image = Image.of(service);
      Path inImage = image.workdir().resolve(card);
      softly.assertThat(inImage).as("%s of %s in the image, against its built-in default", key, name)
          .isEqualTo(image.workdir().resolve(builtIn));
      Optional<Path> inRepository = image.repositoryFile(inImage);
      softly.assertThat(inRepository).as("%s of %s (%s): copied into the image by %s", key, name, inImage,
          image.dockerfile()).isPresent();
      inRepository.ifPresent(file -> softly.assertThat(file).as("%s of %s", key, name).isRegularFile());
    }
    softly.assertThat(withModels).as("services with a model card").containsExactlyInAnyOrder("segmenter", "classifier");
    softly.assertAll();
  }

  @Test
  void shouldKeepEveryServiceFolderOnAVolume() {
    SoftAssertions softly = new SoftAssertions();
    for (ComposeService service : applications()) {
      String name = service.name();
      Path workdir = Image.of(service).workdir();
      settingsOf(service, service.environment()).describe().forEach((key, value) -> {
        if (key.endsWith(".dir")) {
          Path folder = workdir.resolve(value);
          // State stores, spool and inbox must survive a new container.
          softly.assertThat(service.volumeTargets().stream().map(Path::of).anyMatch(folder::startsWith))
              .as("%s of %s (%s) lies on one of its volumes %s", key, name, folder, service.volumeTargets())
              .isTrue();
        }
      });
    }
    softly.assertAll();
  }

  @Test
  void shouldPublishOnlyPortsTheServicesListenOnFromOutsideTheContainer() {
    SoftAssertions softly = new SoftAssertions();
    for (ComposeService service : applications()) {
      String name = service.name();
      Map<String, String> described = settingsOf(service, service.environment()).describe();
      Set<String> ports = new TreeSet<>();
      described.forEach((key, value) -> {
        if (key.endsWith(".port")) {
          ports.add(value);
        }
      });
      softly.assertThat(service.publishedPorts()).as("ports published by %s", name).isSubsetOf(ports);
      described.forEach((key, value) -> {
        if (key.endsWith(".http.port")) {
          String host = key.substring(0, key.length() - ".port".length()) + ".host";
          softly.assertThat(described.get(host)).as("%s of %s: /health and /metrics must be reachable from other"
              + " containers", host, name).isEqualTo("0.0.0.0");
        }
      });
    }
    softly.assertAll();
  }

  @Test
  void shouldConfigureTheBrokerLikeTheLocalStack() throws IOException {
    Map<String, String> broker = brokerConfig(compose.get("kafka").environment());
    Map<String, String> local = localBrokerConfig();
    assertThat(local).as("broker settings in scripts/stack.sh kafka_write_config").containsKey("message.max.bytes");

    SoftAssertions softly = new SoftAssertions();
    local.forEach((key, value) -> {
      if (!NOT_MIRRORED.contains(key)) {
        softly.assertThat(broker.get(key)).as("broker setting %s (environment %s), as in scripts/stack.sh", key,
            brokerVariable(key)).isEqualTo(value);
      }
    });
    // Services create their own topics with max.message.bytes from Topics (TopicAdmin), so the broker's limit
    // governs only the topics Kafka Streams creates, whose records the services cap at the size of a slice.
    softly.assertThat(Integer.parseInt(broker.getOrDefault("message.max.bytes", "0")))
        .as("broker message.max.bytes, for changelogs of %s records", Topics.SLICES.name())
        .isGreaterThanOrEqualTo(Topics.SLICES.maxMessageBytes());
    softly.assertAll();
  }

  @Test
  void shouldSetTheRegistryCompatibilityOfTheLocalStack() throws IOException {
    String script = Files.readString(ServiceProcess.ROOT.resolve("scripts/stack.sh"), UTF_8);
    Matcher level = Pattern.compile("\"compatibility\":\"([A-Z_]+)\"").matcher(script);
    assertThat(level.find()).as("compatibility set by registry_set_compatibility in scripts/stack.sh").isTrue();

    assertThat(compose.get("registry").environment().get("SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL"))
        .as("registry compatibility (SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL)")
        .isEqualToIgnoringCase(level.group(1));
  }

  /** Every service of the compose file but Kafka and the registry: ours, whatever they are called. */
  private static List<ComposeService> applications() {
    return compose.values().stream().filter(service -> !STACK.contains(service.name())).toList();
  }

  /** A service's settings as its main loads them in the container: the compose environment and command. */
  private static Settings settingsOf(ComposeService service, Map<String, String> environment) {
    String module = service.module();
    // Found by name: one convention for every service, and a clear message when a module is missing here.
    String mainClass = "io.spinestream." + module + "." + Character.toUpperCase(module.charAt(0))
        + module.substring(1) + "Main";
    Method settings;
    try {
      settings = Class.forName(mainClass).getMethod("settings", Map.class, String[].class);
    } catch (ClassNotFoundException e) {
      throw new AssertionError(mainClass + " is not on the test classpath: add spine-" + module
          + " as a test dependency to pipeline-it/pom.xml", e);
    } catch (NoSuchMethodException e) {
      throw new AssertionError(mainClass + " has no public static settings(Map, String...)", e);
    }
    try {
      return (Settings) settings.invoke(null, environment, service.command().toArray(String[]::new));
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof ConfigException problems) {
        throw new AssertionError(service.name() + " rejects its compose environment: " + problems.getMessage(),
            problems);
      }
      throw new AssertionError(mainClass + ".settings failed", e.getCause());
    } catch (IllegalAccessException e) {
      throw new AssertionError(mainClass + ".settings is not public", e);
    }
  }

  /** As Setting.environmentVariable() and the pass-through groups of Settings name them. */
  private static String environmentVariable(String key) {
    return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** The apache/kafka image's reading of KAFKA_* variables: '_' for '.', '__' for '_', '___' for '-'. */
  private static Map<String, String> brokerConfig(Map<String, String> environment) {
    Map<String, String> config = new TreeMap<>();
    environment.forEach((variable, value) -> {
      if (variable.startsWith("KAFKA_")) {
        String key = variable.substring("KAFKA_".length()).toLowerCase(Locale.ROOT)
            .replace("___", "\u0000").replace("__", "\u0001").replace('_', '.')
            .replace('\u0000', '-').replace('\u0001', '_');
        config.put(key, value);
      }
    });
    return config;
  }

  private static String brokerVariable(String key) {
    return "KAFKA_" + key.replace("_", "__").replace("-", "___").replace('.', '_').toUpperCase(Locale.ROOT);
  }

  /** The server.properties of kafka_write_config, without the lines naming the local stack's ports and folders. */
  private static Map<String, String> localBrokerConfig() throws IOException {
    String script = Files.readString(ServiceProcess.ROOT.resolve("scripts/stack.sh"), UTF_8);
    Matcher properties = Pattern.compile("kafka_write_config\\(\\) \\{.*?<<PROPS\\n(.*?)\\nPROPS", Pattern.DOTALL)
        .matcher(script);
    assertThat(properties.find()).as("server.properties written by kafka_write_config in scripts/stack.sh").isTrue();
    Map<String, String> config = new TreeMap<>();
    for (String line : properties.group(1).split("\n")) {
      int eq = line.indexOf('=');
      if (line.startsWith("#") || eq < 0 || line.contains("$")) {
        continue;
      }
      config.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
    }
    return config;
  }

  private record ComposeRun(int exitCode, String output, String errors) {}

  private static ComposeRun dockerCompose(String... args) {
    List<String> command = new ArrayList<>(List.of("docker-compose", "-f", COMPOSE_FILE.toString()));
    command.addAll(List.of(args));
    Path errors = null;
    try {
      errors = Files.createTempFile("docker-compose", ".err");
      Process process;
      try {
        process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
      } catch (IOException e) {
        return fail("docker-compose cannot run (" + e.getMessage() + "): ./spine setup installs it");
      }
      String output = new String(process.getInputStream().readAllBytes(), UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return fail(String.join(" ", command) + " did not finish in 60 s");
      }
      return new ComposeRun(process.exitValue(), output, Files.readString(errors, UTF_8).strip());
    } catch (IOException e) {
      throw new AssertionError("running " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted running " + String.join(" ", command), e);
    } finally {
      if (errors != null) {
        errors.toFile().delete();
      }
    }
  }

  /**
   * What the test needs of one service in the output of {@code docker-compose config}: a normalised file,
   * block style, two spaces per level, keys sorted, so a line-based reading suffices.
   */
  private record ComposeService(String name, Map<String, String> environment, Map<String, String> build,
      Map<String, String> buildArgs, List<String> command, List<String> volumeTargets, List<String> publishedPorts) {

    String module() {
      String module = buildArgs.get("MODULE");
      if (module == null) {
        throw new AssertionError("service " + name + " has no build arg MODULE (the Dockerfile needs it)");
      }
      return module;
    }

    static Map<String, ComposeService> parse(String normalised) {
      Map<String, ComposeService> services = new LinkedHashMap<>();
      boolean inServices = false;
      ComposeService service = null;
      String section = null;
      String subsection = null;
      for (String line : normalised.split("\n")) {
        String text = line.strip();
        if (text.isEmpty()) {
          continue;
        }
        int indent = line.indexOf(text.charAt(0));
        if (indent == 0) {
          inServices = text.equals("services:");
          continue;
        }
        if (!inServices) {
          continue;
        }
        if (indent == 2) {
          String name = text.substring(0, text.length() - 1);
          service = new ComposeService(name, new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), new ArrayList<>(),
              new ArrayList<>(), new ArrayList<>());
          services.put(name, service);
          section = null;
        } else if (indent == 4 && !text.startsWith("- ")) {
          String[] entry = entry(text);
          section = entry[0];
          subsection = null;
          if (section.equals("command") && !entry[1].isEmpty()) {
            service.command().addAll(List.of(entry[1].split("\\s+")));
          }
        } else if (section != null) {
          service.read(section, subsection, indent, text);
          if (section.equals("build") && indent == 6) {
            subsection = entry(text)[0];
          }
        }
      }
      return services;
    }

    private void read(String section, String subsection, int indent, String text) {
      String item = text.startsWith("- ") ? text.substring(2) : text;
      switch (section) {
        case "environment" -> {
          String[] entry = entry(text);
          environment.put(entry[0], entry[1]);
        }
        case "build" -> {
          if (indent == 6) {
            String[] entry = entry(text);
            build.put(entry[0], entry[1]);
          } else if (indent == 8 && "args".equals(subsection)) {
            String[] entry = entry(text);
            buildArgs.put(entry[0], entry[1]);
          }
        }
        case "command" -> command.add(unquote(item));
        case "ports" -> {
          if (item.startsWith("target:")) {
            publishedPorts.add(entry(item)[1]);
          }
        }
        case "volumes" -> {
          if (item.startsWith("target:")) {
            volumeTargets.add(entry(item)[1]);
          } else if (text.startsWith("- ") && item.contains(":")) {
            volumeTargets.add(item.split(":")[1]);
          }
        }
        default -> { }
      }
    }

    private static String[] entry(String text) {
      int colon = text.indexOf(':');
      return new String[] {text.substring(0, colon).strip(), unquote(text.substring(colon + 1).strip())};
    }

    private static String unquote(String value) {
      if (value.length() >= 2 && value.startsWith("'") && value.endsWith("'")) {
        return value.substring(1, value.length() - 1).replace("''", "'");
      }
      if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
        return value.substring(1, value.length() - 1).replace("\\\"", "\"");
      }
      return value;
    }
  }

  /**
   * What the test needs of a service's Dockerfile: the runtime stage's WORKDIR and what it copies from the
   * build stage, which holds the build context (the repository) in its own WORKDIR.
   */
  private record Image(Path dockerfile, Path context, Path buildWorkdir, Path workdir, Map<Path, Path> copies) {

    static Image of(ComposeService service) {
      Path context = Path.of(service.build().get("context"));
      Path dockerfile = context.resolve(service.build().getOrDefault("dockerfile", "Dockerfile"));
      List<String> lines;
      try {
        lines = Files.readAllLines(dockerfile, UTF_8);
      } catch (IOException e) {
        throw new AssertionError("cannot read the Dockerfile of " + service.name() + ": " + dockerfile, e);
      }
      Path buildWorkdir = null;
      Path workdir = Path.of("/");
      String stage = null;
      Map<Path, Path> copies = new LinkedHashMap<>();
      for (String line : lines) {
        String[] words = line.strip().split("\\s+");
        switch (words[0].toUpperCase(Locale.ROOT)) {
          case "FROM" -> {
            stage = words.length == 4 && words[2].equalsIgnoreCase("AS") ? words[3] : null;
            workdir = Path.of("/");
            copies.clear();
          }
          case "WORKDIR" -> {
            workdir = workdir.resolve(words[1]);
            if ("build".equals(stage)) {
              buildWorkdir = workdir;
            }
          }
          case "COPY" -> {
            if (words.length == 4 && words[1].equals("--from=build") && !words[2].contains("$")) {
              copies.put(workdir.resolve(words[3]), Path.of(words[2]));
            }
          }
          default -> { }
        }
      }
      if (buildWorkdir == null) {
        throw new AssertionError(dockerfile + " has no stage 'build' with a WORKDIR holding the build context");
      }
      return new Image(dockerfile, context, buildWorkdir, workdir, copies);
    }

    /** The file of the build context that ends up at {@code inImage}, if the runtime stage copies it. */
    Optional<Path> repositoryFile(Path inImage) {
      for (Map.Entry<Path, Path> copy : copies.entrySet()) {
        if (inImage.startsWith(copy.getKey())) {
          Path inBuild = buildWorkdir.resolve(copy.getValue()).resolve(copy.getKey().relativize(inImage));
          if (inBuild.startsWith(buildWorkdir)) {
            return Optional.of(context.resolve(buildWorkdir.relativize(inBuild)));
          }
        }
      }
      return Optional.empty();
    }
  }
}
