package org.layerfs.pipeline.run;

import com.google.common.net.HostAndPort;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.metrics.MetricsOptions;
import org.apache.flink.client.deployment.executors.RemoteExecutor;
import org.apache.flink.client.program.ContextEnvironment;
import org.apache.flink.client.program.StreamContextEnvironment;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;

/**
 * A job sent to a Flink cluster with nothing to upload: its code is a jar every node reads
 * ({@link SharedJobJar}), named in the job's {@code pipeline.classpaths}. Beam's Flink runner sends
 * {@code --filesToStage} with every job and leaves the classpaths empty, so the launcher submits
 * through Flink's own context environment (what {@code flink run} uses), which Beam's runner
 * takes for {@code --flinkMaster=[auto]}, for as long as this is open. Its job clients learn of the
 * job's end promptly ({@link PromptJobClient}).
 */
final class ClasspathSubmission implements AutoCloseable {
  private final FlinkPipelineOptions options;
  private final String master;

  private ClasspathSubmission(FlinkPipelineOptions options, String master) {
    this.options = options;
    this.master = master;
  }

  /** Submits the pipelines of {@code options} to their {@code --flinkMaster} with {@code jar} as their code. */
  static ClasspathSubmission open(FlinkPipelineOptions options, Path jar) {
    String master = options.getFlinkMaster();
    Configuration flink = clientConfiguration(options.getFlinkConfDir());
    HostAndPort rest = HostAndPort.fromString(FlinkProgress.hostAndPort(master))
        .withDefaultPort(flink.get(RestOptions.PORT));
    flink.set(JobManagerOptions.ADDRESS, rest.getHost());
    flink.set(RestOptions.ADDRESS, rest.getHost());
    flink.set(RestOptions.PORT, rest.getPort());
    flink.set(DeploymentOptions.TARGET, RemoteExecutor.NAME);
    flink.set(DeploymentOptions.ATTACHED, true);
    flink.set(PipelineOptions.JARS, List.of());
    flink.set(PipelineOptions.CLASSPATHS, List.of(url(jar)));
    ClassLoader code = ClasspathSubmission.class.getClassLoader();
    // Beam's runner makes the options MetricsOptions once the job has ended, and Beam then validates
    // every interface they know (0.1 to 0.3 s after the job's end): done while the job runs instead.
    PipelineExecutorServiceLoader executors =
        PromptJobClient.executors(URI.create("http://" + rest), () -> options.as(MetricsOptions.class));
    // suppressSysout: Flink's "Job has been submitted" would go to stdout, where layerfs's answer goes.
    ContextEnvironment.setAsContext(executors, flink, code, false, true);
    StreamContextEnvironment.setAsContext(executors, flink, code, false, true);
    options.setFlinkMaster("[auto]");
    return new ClasspathSubmission(options, master);
  }

  /** The submitting side's Flink configuration, found as Beam's runner finds it. */
  private static Configuration clientConfiguration(String confDir) {
    String dir = confDir != null && !confDir.isEmpty() ? confDir : System.getenv("FLINK_CONF_DIR");
    return dir == null ? new Configuration() : GlobalConfiguration.loadConfiguration(dir);
  }

  private static String url(Path jar) {
    try {
      return jar.toUri().toURL().toString();
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException(jar.toString(), e);
    }
  }

  @Override
  public void close() {
    ContextEnvironment.unsetAsContext();
    StreamContextEnvironment.unsetAsContext();
    options.setFlinkMaster(master);
  }
}
