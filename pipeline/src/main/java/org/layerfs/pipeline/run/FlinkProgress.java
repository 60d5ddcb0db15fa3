package org.layerfs.pipeline.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.layerfs.transforms.layer.LayerMetrics;

/**
 * The progress of a job running on a Flink cluster, read from the cluster's REST API while the
 * Flink runner waits for the job (its result, and the metrics it carries, come only at the end).
 * Beam's Flink runner publishes a task's counters when it has processed its whole share of a step:
 * as Flink metrics named {@code STEP.layerfs_NAME} while the task lives, and in an accumulator the
 * JobManager keeps once it has ended. This sums them over every step and draws the same line as the
 * direct runner: the totals (layers or blobs to do, their bytes) show as soon as the step that counts
 * them is done, the counts done move as each worker finishes its share of the work.
 */
public final class FlinkProgress implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PREFIX = "." + LayerMetrics.NAMESPACE + "_";
  /** The Flink accumulator that carries Beam's metrics, and the type of a counter in it. */
  private static final String ACCUMULATOR = "__metricscontainers";
  private static final String SUM = "beam:metrics:sum_int64:v1";

  private final JobManagerRest rest;
  private final String jobName;
  private final Progress progress;
  /** The last value seen of each metric of each step: a finished step's metrics may no longer be served. */
  private final Map<String, Long> seen = new HashMap<>();
  private final Thread poller;
  private volatile boolean stop;

  private FlinkProgress(String base, String jobName, Progress progress) {
    this.rest = new JobManagerRest(base);
    this.jobName = jobName;
    this.progress = progress;
    this.poller = new Thread(this::poll, "layerfs-flink-progress");
    poller.setDaemon(true);
  }

  /**
   * Starts drawing {@code progress} from the cluster's metrics of the job named in {@code options}
   * when it goes to a cluster ({@code --flinkMaster=HOST:PORT}); an embedded Flink's progress is
   * drawn at the end.
   */
  static Optional<FlinkProgress> watch(FlinkPipelineOptions options, Progress progress) {
    String master = options.getFlinkMaster();
    if (master.startsWith("[")) {
      return Optional.empty();
    }
    FlinkProgress p = new FlinkProgress("http://" + hostAndPort(master), options.getJobName(), progress);
    p.poller.start();
    return Optional.of(p);
  }

  /** The cluster's REST address in {@code --flinkMaster}, which may be given as a URL. */
  static String hostAndPort(String flinkMaster) {
    return flinkMaster.replaceFirst("^https?://", "").replaceAll("/+$", "");
  }

  private void poll() {
    String job = null;
    while (!stop) {
      try {
        if (job == null) {
          job = findJob();
        }
        if (job != null) {
          Map<String, Long> counters = counters(job);
          progress.update(name -> counters.getOrDefault(name, 0L));
        }
      } catch (IOException e) {
        // The REST API did not answer this time: the line waits for the next poll.
      }
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** The id of the newest job of this name, once the cluster has it. */
  private String findJob() throws IOException {
    String id = null;
    long newest = Long.MIN_VALUE;
    for (JsonNode j : rest.get("/jobs/overview").path("jobs")) {
      if (j.path("name").asText().equals(jobName) && j.path("start-time").asLong() > newest) {
        newest = j.path("start-time").asLong();
        id = j.path("jid").asText();
      }
    }
    return id;
  }

  /**
   * layerfs's counters, summed over the steps and subtasks that report them: from the Flink metrics
   * of running tasks ({@code STEP.layerfs_NAME}) and from the accumulator Beam's runner gives the
   * JobManager (the finished tasks', which Flink's metrics no longer serve), the larger of the two
   * for each step.
   */
  private Map<String, Long> counters(String job) throws IOException {
    for (JsonNode vertex : rest.get("/jobs/" + job).path("vertices")) {
      String path = "/jobs/" + job + "/vertices/" + vertex.path("id").asText() + "/subtasks/metrics";
      List<String> ids = ids(rest.get(path));
      if (!ids.isEmpty()) {
        String query = URLEncoder.encode(String.join(",", ids), StandardCharsets.UTF_8);
        for (JsonNode m : rest.get(path + "?agg=sum&get=" + query)) {
          seen.merge(m.path("id").asText(), m.path("sum").asLong(), Math::max);
        }
      }
    }
    for (JsonNode a : rest.get("/jobs/" + job + "/accumulators").path("user-task-accumulators")) {
      if (a.path("name").asText().equals(ACCUMULATOR)) {
        for (JsonNode m : JSON.readTree(a.path("value").asText()).path("metrics").path("attempted")) {
          JsonNode labels = m.path("labels");
          if (labels.path("NAMESPACE").asText().equals(LayerMetrics.NAMESPACE) && m.path("type").asText().equals(SUM)) {
            String id = labels.path("PTRANSFORM").asText() + PREFIX + labels.path("NAME").asText();
            seen.merge(id, varint(Base64.getDecoder().decode(m.path("payload").asText())), Math::max);
          }
        }
      }
    }
    return seen.entrySet().stream().collect(Collectors.groupingBy(
        e -> e.getKey().substring(e.getKey().lastIndexOf(PREFIX) + PREFIX.length()), Collectors.summingLong(Map.Entry::getValue)));
  }

  /** A counter's value as Beam encodes it: a base-128 varint, low group first. */
  private static long varint(byte[] bytes) {
    long v = 0;
    for (int i = 0; i < bytes.length && i < 10; i++) {
      v |= (long) (bytes[i] & 0x7f) << (7 * i);
      if ((bytes[i] & 0x80) == 0) {
        break;
      }
    }
    return v;
  }

  private static List<String> ids(JsonNode metrics) {
    return StreamSupport.stream(metrics.spliterator(), false)
        .map(m -> m.path("id").asText()).filter(id -> id.contains(PREFIX)).toList();
  }

  /** Stops polling; the caller draws the final line from the finished job's own metrics. */
  @Override
  public void close() {
    stop = true;
    poller.interrupt();
    try {
      poller.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
