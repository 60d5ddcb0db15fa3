package org.layerfs.pipeline.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.pipeline.Main;
import org.layerfs.pipeline.testing.Fixtures;
import org.layerfs.pipeline.testing.IndexRun;
import org.layerfs.transforms.layer.IndexLayers;

/**
 * {@code index} submitted to a running Flink cluster with {@code --flinkMaster=HOST:PORT}: Beam's
 * remote environment stages the code, submits the job over the cluster's REST endpoint, and
 * waits for its result and metrics, as it does against a real cluster.
 */
class FlinkClusterTest {
  private static MiniCluster cluster;

  @TempDir Path tmp;

  @BeforeAll
  static void startCluster() throws Exception {
    Configuration conf = new Configuration();
    conf.set(RestOptions.ADDRESS, "127.0.0.1");
    conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
    conf.set(RestOptions.BIND_PORT, "0"); // any free port; read back below
    // This cluster runs in the test's JVM, whose class path holds layerfs too: loading it a second
    // time from the staged jars (Flink's child-first default) would give two incompatible copies
    // of each class. A real cluster's class path has no layerfs, so the staged jar is the only one.
    conf.set(CoreOptions.CLASSLOADER_RESOLVE_ORDER, "parent-first");
    cluster = new MiniCluster(
        new MiniClusterConfiguration.Builder().setConfiguration(conf).setNumTaskManagers(1).setNumSlotsPerTaskManager(2).build());
    cluster.start();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    cluster.close();
  }

  @Test
  void indexSubmittedToTheClusterWritesTheDirectRunnersCatalog() throws Exception {
    String master = "127.0.0.1:" + cluster.getRestAddress().get().getPort();
    IndexRun direct = Fixtures.shared();
    IndexRun flink = IndexRun.run(tmp.resolve("out"), tmp.resolve("cache"),
        List.of(Fixtures.images(), Fixtures.layeredDockerArchive(), Fixtures.smallOciDockerArchive()),
        "--runner=FlinkRunner", "--flinkMaster=" + master, "--parallelism=2", "--filesToStage=" + layerfsCode());

    assertEquals(0, flink.result.exit(), flink.result::toString);
    SameOutputs.assertSameCatalog(direct.out, flink.out);
    assertEquals(direct.report().path("layers"), flink.report().path("layers"));
    List<JobStatus> jobs = cluster.listJobs().get().stream().map(JobStatusMessage::getJobState).toList();
    assertEquals(List.of(JobStatus.FINISHED), jobs);
  }

  /**
   * What the job ships to the cluster: layerfs's own three modules (class directories under
   * {@code mvn test}, which Beam zips into jars, or their jars under {@code mvn verify}). The
   * launcher stages its shaded jar, which Maven builds only after the tests; Beam and Flink are on
   * this cluster's class path already, as on a Flink installation.
   */
  private static String layerfsCode() throws URISyntaxException {
    return Stream.of(Main.class, IndexLayers.class, ImageReference.class)
        .map(c -> c.getProtectionDomain().getCodeSource().getLocation())
        .map(FlinkClusterTest::path)
        .collect(Collectors.joining(","));
  }

  private static String path(java.net.URL url) {
    try {
      return Path.of(url.toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(url.toString(), e);
    }
  }
}
