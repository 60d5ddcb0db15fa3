package org.layerfs.pipeline.run;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.DefaultExecutorServiceLoader;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.PipelineExecutor;
import org.apache.flink.core.execution.PipelineExecutorFactory;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;
import org.apache.flink.core.execution.SavepointFormatType;

/**
 * Flink's client of a submitted job, whose result is asked for once the job has ended. Flink's own
 * client asks the JobManager for an attached job's result at intervals that double up to 2 s, so a
 * command learned of its job's end up to 2 s late (on average 1 s, a fifth of a 5 s sync). This
 * one reads the job's status (a few bytes) every {@link #POLL} and hands over to Flink's client
 * when the status is final, whose first request then gets the result. Should the status not be
 * readable, it hands over at once and the command waits as before.
 */
final class PromptJobClient implements JobClient {
  static final Duration POLL = Duration.ofMillis(250);

  private final JobClient flink;
  private final JobManagerRest rest;
  private final String status;

  private PromptJobClient(JobClient flink, URI rest) {
    this.flink = flink;
    this.rest = new JobManagerRest(rest.toString());
    this.status = "/jobs/" + flink.getJobID() + "/status";
  }

  /**
   * Flink's executors, as {@code flink run} finds them, whose jobs' clients are prompt ones reading
   * the status from the REST API at {@code rest} ({@code http://HOST:PORT}).
   */
  static PipelineExecutorServiceLoader executors(URI rest) {
    PipelineExecutorServiceLoader flink = new DefaultExecutorServiceLoader();
    return new PipelineExecutorServiceLoader() {
      @Override
      public PipelineExecutorFactory getExecutorFactory(Configuration configuration) throws Exception {
        PipelineExecutorFactory factory = flink.getExecutorFactory(configuration);
        return new PipelineExecutorFactory() {
          @Override
          public String getName() {
            return factory.getName();
          }

          @Override
          public boolean isCompatibleWith(Configuration c) {
            return factory.isCompatibleWith(c);
          }

          @Override
          public PipelineExecutor getExecutor(Configuration c) {
            PipelineExecutor executor = factory.getExecutor(c);
            return (pipeline, conf, code) -> executor.execute(pipeline, conf, code).thenApply(job -> new PromptJobClient(job, rest));
          }
        };
      }

      @Override
      public Stream<String> getExecutorNames() {
        return flink.getExecutorNames();
      }
    };
  }

  @Override
  public CompletableFuture<JobExecutionResult> getJobExecutionResult() {
    return CompletableFuture.runAsync(this::awaitEnd, daemon()).thenCompose(ended -> flink.getJobExecutionResult());
  }

  /** Returns when the job's status is final, or when it cannot be read. */
  private void awaitEnd() {
    try {
      while (true) {
        if (JobStatus.valueOf(rest.get(status).path("status").asText()).isGloballyTerminalState()) {
          return;
        }
        Thread.sleep(POLL.toMillis());
      }
    } catch (IOException | IllegalArgumentException e) {
      // Not readable (another API, TLS, a JobManager gone): Flink's client waits its own way.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Runs the wait on a thread of its own that does not keep the JVM alive. */
  private static Executor daemon() {
    return task -> {
      Thread t = new Thread(task, "layerfs-flink-job-end");
      t.setDaemon(true);
      t.start();
    };
  }

  @Override
  public JobID getJobID() {
    return flink.getJobID();
  }

  @Override
  public CompletableFuture<JobStatus> getJobStatus() {
    return flink.getJobStatus();
  }

  @Override
  public CompletableFuture<Void> cancel() {
    return flink.cancel();
  }

  @Override
  public CompletableFuture<String> stopWithSavepoint(boolean drain, String directory, SavepointFormatType format) {
    return flink.stopWithSavepoint(drain, directory, format);
  }

  @Override
  public CompletableFuture<String> triggerSavepoint(String directory, SavepointFormatType format) {
    return flink.triggerSavepoint(directory, format);
  }

  @Override
  public CompletableFuture<Map<String, Object>> getAccumulators() {
    return flink.getAccumulators();
  }

  @Override
  public void reportHeartbeat(long expiredTimestamp) {
    flink.reportHeartbeat(expiredTimestamp);
  }
}
