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
import org.apache.flink.runtime.client.JobExecutionException;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.rest.messages.job.JobExecutionResultResponseBody;
import org.apache.flink.runtime.rest.messages.queue.QueueStatus;
import org.apache.flink.runtime.rest.util.RestMapperUtils;

/**
 * Flink's client of a submitted job, whose result is asked for once the job has ended. Flink's own
 * client asks the JobManager for an attached job's result at intervals that double up to 2 s, so a
 * command learned of its job's end up to 2 s late (on average 1 s, a fifth of a 5 s sync). This
 * one reads the job's status (a few bytes) every {@link #POLL}; once the job has finished it reads
 * the result itself, one request (Flink's client makes a REST client of its own for it, a tenth of
 * a second). A job that failed or was cancelled, or a status or result it cannot read, it hands over
 * to Flink's client, which says what happened its own way.
 */
final class PromptJobClient implements JobClient {
  /** On average half of it between the job's end and the command's knowing: a read costs the launcher about 1 ms of CPU. */
  static final Duration POLL = Duration.ofMillis(100);

  private final JobClient flink;
  private final JobManagerRest rest;
  private final String job;
  /** The class loader of the job's code, which the result's accumulators are read with. */
  private final ClassLoader code;
  private final Runnable whileRunning;

  private PromptJobClient(JobClient flink, URI rest, ClassLoader code, Runnable whileRunning) {
    this.flink = flink;
    this.rest = new JobManagerRest(rest.toString());
    this.job = "/jobs/" + flink.getJobID();
    this.code = code;
    this.whileRunning = whileRunning;
  }

  /**
   * Flink's executors, as {@code flink run} finds them, whose jobs' clients are prompt ones reading
   * the status from the REST API at {@code rest} ({@code http://HOST:PORT}), and which run
   * {@code whileRunning} once a job has been submitted, while it runs.
   */
  static PipelineExecutorServiceLoader executors(URI rest, Runnable whileRunning) {
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
            return (pipeline, conf, code) -> executor.execute(pipeline, conf, code).thenApply(job -> new PromptJobClient(job, rest, code, whileRunning));
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
    return CompletableFuture.supplyAsync(() -> {
          whileRunning.run();
          return awaitEnd();
        }, daemon())
        .thenCompose(end -> end == JobStatus.FINISHED ? finished() : flink.getJobExecutionResult());
  }

  /** The job's final status once it has one; {@code null} when it cannot be read. */
  private JobStatus awaitEnd() {
    try {
      while (true) {
        JobStatus status = JobStatus.valueOf(rest.get(job + "/status").path("status").asText());
        if (status.isGloballyTerminalState()) {
          return status;
        }
        Thread.sleep(POLL.toMillis());
      }
    } catch (IOException | IllegalArgumentException e) {
      // Not readable (another API, TLS, a JobManager gone): Flink's client waits its own way.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return null;
  }

  /** A finished job's result, read as Flink's client reads it; what does not read as a success is left to that client. */
  private CompletableFuture<JobExecutionResult> finished() {
    try {
      JobExecutionResultResponseBody body =
          RestMapperUtils.getStrictObjectMapper().readValue(rest.bytes(job + "/execution-result"), JobExecutionResultResponseBody.class);
      JobResult result = body.getJobExecutionResult();
      if (body.getStatus().getId() == QueueStatus.Id.COMPLETED && result != null && result.isSuccess()) {
        return CompletableFuture.completedFuture(result.toJobExecutionResult(code));
      }
    } catch (IOException | JobExecutionException | ClassNotFoundException e) {
      // Flink's client asks again, and reports the failure its own way.
    }
    return flink.getJobExecutionResult();
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
