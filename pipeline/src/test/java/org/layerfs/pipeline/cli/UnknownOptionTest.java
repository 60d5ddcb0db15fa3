package org.layerfs.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Fixtures;

/** An option a command does not take is refused in layerfs's words; Beam's options pass through. */
class UnknownOptionTest {
  @TempDir Path tmp;

  @Test
  void anUnknownOptionNamesTheCommandAndWhatItTakes() {
    Cli.Result r = Cli.run("index", Fixtures.oci("small"), "--out", tmp.resolve("out").toString(), "--tls-verfy=false");
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().startsWith("layerfs: index: unknown option --tls-verfy\n"), r::toString);
    assertTrue(r.err().contains("index takes --out DIR, --cache-dir DIR, --platform OS/ARCH[/VARIANT], --report FILE, "
        + "--metrics FILE, --tls-verify true|false, --authfile FILE, --idle-timeout SECONDS, and Beam pipeline options"), r::toString);
    assertFalse(r.err().contains("PipelineOptions"), r::toString);
  }

  @Test
  void inspectRunsNoPipelineSoTakesNoBeamOption() {
    Cli.Result r = Cli.run("inspect", Fixtures.oci("small"), "--runner=DirectRunner");
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().startsWith("layerfs: inspect: unknown option --runner\n"
        + "inspect takes --platform OS/ARCH[/VARIANT], --tls-verify true|false, --authfile FILE, --idle-timeout SECONDS, --json\n"), r::toString);
  }

  @Test
  void beamOptionsPassThrough() {
    Cli.Result r = Cli.run("index", Fixtures.oci("small"), "--out", tmp.resolve("out").toString(),
        "--cache-dir", tmp.resolve("cache").toString(), "--runner=DirectRunner", "--targetParallelism=2");
    assertEquals(0, r.exit(), r::toString);
  }

  @Test
  void theFlinkRunnersOptionsAreKnown() throws UsageException {
    CommandOptions index = CommandOptions.of("index", ImmutableMap.of(), ImmutableSet.of());
    PipelineOptions options = BeamOptions.create(index, List.of("--flinkMaster=[local]", "--parallelism=2", "--filesToStage=/tmp/layerfs.jar"));
    assertEquals("[local]", options.as(org.apache.beam.runners.flink.FlinkPipelineOptions.class).getFlinkMaster());
    PipelineOptions shared = BeamOptions.create(index, List.of("--flinkMaster=127.0.0.1:8081", "--flinkJobJarDir=/mnt/jars"));
    assertEquals("/mnt/jars", shared.as(org.layerfs.pipeline.run.JobJarOptions.class).getFlinkJobJarDir());
  }

  @Test
  void theDirectRunnersPoolIsOneThreadPerCoreUnlessAsked() throws UsageException {
    CommandOptions index = CommandOptions.of("index", ImmutableMap.of(), ImmutableSet.of());
    assertEquals(Runtime.getRuntime().availableProcessors(),
        BeamOptions.create(index, List.of()).as(DirectOptions.class).getTargetParallelism());
    assertEquals(7, BeamOptions.create(index, List.of("--targetParallelism=7")).as(DirectOptions.class).getTargetParallelism());
  }

  @Test
  void aBadValueForABeamOptionIsAUsageError() {
    Cli.Result r = Cli.run("index", Fixtures.oci("small"), "--out", tmp.resolve("out").toString(), "--targetParallelism=many");
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().startsWith("layerfs: index: "), r::toString);
  }
}
