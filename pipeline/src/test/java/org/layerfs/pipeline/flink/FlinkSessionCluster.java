package org.layerfs.pipeline.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A Flink 1.19 standalone session cluster of separate JVMs on 127.0.0.1: one JobManager
 * ({@code StandaloneSessionClusterEntrypoint}) and TaskManagers ({@code TaskManagerRunner}) of one
 * task slot each, started as Flink's {@code bin/} scripts start them, from Flink's jars only (the
 * class path {@code flink-cluster/pom.xml} resolves; nothing of layerfs or Beam). Their settings
 * are in the cluster's {@code config.yaml}, JVM options included ({@code env.java.opts.*}), which
 * this harness applies to the java command lines as the scripts do. Logs are in its directory.
 */
final class FlinkSessionCluster implements AutoCloseable {
  /** Where the build wrote the cluster's class path (see the pipeline pom's failsafe settings). */
  private static final String CLASS_PATH_FILE = "layerfs.flinkClusterClassPath";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final String classPath;
  private final Map<String, String> config;
  private final int restPort;
  private final Process jobManager;
  private final List<Process> taskManagers = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  private FlinkSessionCluster(Path dir) throws IOException {
    this.dir = dir;
    this.classPath = Files.readString(Path.of(System.getProperty(CLASS_PATH_FILE, "(" + CLASS_PATH_FILE + " not set)"))).strip();
    this.restPort = freePort();
    this.config = configuration(restPort, freePort());
    StringBuilder yaml = new StringBuilder();
    config.forEach((k, v) -> yaml.append(k).append(": '").append(v.replace("'", "''")).append("'\n"));
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(dir.resolve("conf/config.yaml"), yaml);
    this.jobManager = start("jobmanager", "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint");
  }

  /** Starts a JobManager and {@code taskManagers} TaskManagers; returns once all slots are registered. */
  static FlinkSessionCluster start(Path dir, int taskManagers) throws IOException, InterruptedException {
    FlinkSessionCluster cluster = new FlinkSessionCluster(dir);
    try {
      for (int i = 0; i < taskManagers; i++) {
        cluster.startTaskManager();
      }
      cluster.awaitSlots(taskManagers);
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /**
   * The settings a user would write into the cluster's config.yaml. Unpack needs the JDK's Unix
   * paths opened to it on the TaskManagers: a cluster JVM does not read the job jar's manifest.
   */
  private static Map<String, String> configuration(int restPort, int rpcPort) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("jobmanager.rpc.address", "127.0.0.1");
    c.put("jobmanager.rpc.port", Integer.toString(rpcPort));
    c.put("jobmanager.bind-host", "127.0.0.1");
    c.put("jobmanager.memory.process.size", "768m");
    c.put("rest.address", "127.0.0.1");
    c.put("rest.bind-address", "127.0.0.1");
    c.put("rest.port", Integer.toString(restPort));
    c.put("taskmanager.host", "127.0.0.1");
    c.put("taskmanager.bind-host", "127.0.0.1");
    c.put("taskmanager.numberOfTaskSlots", "1");
    // Heap for the work (an image's merge holds its paths), managed memory for Flink's batch sorts.
    c.put("taskmanager.memory.task.heap.size", "256m");
    c.put("taskmanager.memory.managed.size", "128m");
    // A killed TaskManager is noticed within 20 s (default 50 s).
    c.put("heartbeat.timeout", "20000");
    // The task managers' metrics reach the REST API soon, for the progress line.
    c.put("metrics.fetcher.update-interval", "1000");
    // Flink on Java 17 reflects into these, as its distribution's configuration opens them.
    c.put("env.java.opts.all", String.join(" ", List.of(
        "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
        "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
        "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.time=ALL-UNNAMED",
        "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
        "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED")));
    c.put("env.java.opts.taskmanager", "--add-opens=java.base/sun.nio.fs=ALL-UNNAMED");
    return c;
  }

  private Process start(String role, String mainClass) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(java());
    for (String key : List.of("env.java.opts.all", "env.java.opts." + role)) {
      cmd.addAll(words(config.getOrDefault(key, "")));
    }
    List<String> resources = resourceParameters(role.equals("taskmanager") ? "GET_TM_RESOURCE_PARAMS" : "GET_JM_RESOURCE_PARAMS");
    cmd.addAll(words(resources.get(0)));
    cmd.addAll(List.of("-cp", classPath, mainClass, "--configDir", dir.resolve("conf").toString()));
    cmd.addAll(words(resources.get(1)));
    Path log = dir.resolve(role + "-" + (role.equals("taskmanager") ? taskManagers.size() : 0) + ".log");
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /**
   * The JVM's memory options and the process's memory settings ({@code -D key=value}) that Flink
   * derives from config.yaml, asked of Flink as its start scripts ask ({@code BashJavaUtils}).
   */
  private List<String> resourceParameters(String command) throws IOException {
    Process p = new ProcessBuilder(java(), "-cp", classPath, "org.apache.flink.runtime.util.bash.BashJavaUtils", command,
        "--configDir", dir.resolve("conf").toString()).redirectErrorStream(true).start();
    String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    List<String> results = said.lines().filter(l -> l.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:"))
        .map(l -> l.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length())).toList();
    if (results.size() != 2) {
      throw new IOException("Flink's BashJavaUtils " + command + " said: " + said);
    }
    return results;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static List<String> words(String s) {
    return s.isBlank() ? List.of() : List.of(s.strip().split(" +"));
  }

  /** Starts one more TaskManager (one slot); it registers with the JobManager by itself. */
  void startTaskManager() throws IOException {
    taskManagers.add(start("taskmanager", "org.apache.flink.runtime.taskexecutor.TaskManagerRunner"));
  }

  /** Kills TaskManager {@code i} at once, as a crash or {@code kill -9} would. */
  void killTaskManager(int i) throws InterruptedException {
    Process p = taskManagers.get(i);
    p.destroyForcibly();
    p.waitFor();
  }

  /** {@code HOST:PORT} of the REST endpoint, as {@code --flinkMaster} takes it. */
  int restPort() {
    return restPort;
  }

  String master() {
    return "127.0.0.1:" + restPort;
  }

  /** Waits until {@code n} slots are registered and free. */
  void awaitSlots(int n) throws InterruptedException {
    await(o -> o.path("slots-available").asInt() >= n, "/overview", "slots-available >= " + n);
  }

  /** Waits until the REST answer at {@code path} satisfies {@code condition}; returns that answer. */
  JsonNode await(Predicate<JsonNode> condition, String path, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!jobManager.isAlive()) {
        throw new IllegalStateException("the JobManager exited: " + tail("jobmanager-0.log"));
      }
      try {
        JsonNode answer = get(path);
        if (condition.test(answer)) {
          return answer;
        }
        last = answer.toString();
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("waited 120 s for " + what + " at " + path + "; last: " + last);
  }

  /** GET of the REST API, parsed. */
  JsonNode get(String path) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(
        HttpRequest.newBuilder(URI.create("http://" + master() + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (r.statusCode() != 200) {
      throw new IOException("GET " + path + ": " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  /** The jobs the cluster ran or runs: id → state. */
  Map<String, String> jobs() throws IOException, InterruptedException {
    Map<String, String> jobs = new LinkedHashMap<>();
    for (JsonNode j : get("/jobs").path("jobs")) {
      jobs.put(j.path("id").asText(), j.path("status").asText());
    }
    return jobs;
  }

  /** The last lines of one of the cluster's logs, for a failure message. */
  String tail(String log) {
    try {
      List<String> lines = Files.readAllLines(dir.resolve(log), StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no " + log + ": " + e + ")";
    }
  }

  @Override
  public void close() {
    List<Process> all = new ArrayList<>(taskManagers);
    all.add(jobManager);
    all.forEach(Process::destroy);
    for (Process p : all) {
      try {
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
