package org.layerfs.pipeline.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.cert.Certificate;
import java.util.List;
import java.util.Optional;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A cluster is sent the job jar built beside the launcher's jar, unless told otherwise. */
class JobJarTest {
  @TempDir Path tmp;

  @Test
  void theJobJarBesideTheLaunchersJarIsFound() throws Exception {
    Path launcher = Files.writeString(tmp.resolve("layerfs.jar"), "launcher");
    assertEquals(Optional.empty(), JobJar.beside(code(launcher)));
    Path job = Files.writeString(tmp.resolve(JobJar.NAME), "job");
    assertEquals(Optional.of(job), JobJar.beside(code(launcher)));
    // Run from a build's class directory: no jar to look beside.
    assertEquals(Optional.empty(), JobJar.beside(code(tmp)));
  }

  @Test
  void onlyAClusterWithoutFilesToStageGetsTheJobJar() {
    // This test runs from class directories, so nothing is found to stage: Beam's default stays.
    FlinkPipelineOptions cluster = flink("--flinkMaster=127.0.0.1:8081");
    JobJar.stage(cluster);
    assertNull(cluster.getFilesToStage());

    FlinkPipelineOptions given = flink("--flinkMaster=127.0.0.1:8081", "--filesToStage=/x/mine.jar");
    JobJar.stage(given);
    assertEquals(List.of("/x/mine.jar"), given.getFilesToStage());
  }

  private static FlinkPipelineOptions flink(String... args) {
    return PipelineOptionsFactory.fromArgs(args).as(FlinkPipelineOptions.class);
  }

  private static CodeSource code(Path p) throws Exception {
    return new CodeSource(p.toUri().toURL(), (Certificate[]) null);
  }
}
