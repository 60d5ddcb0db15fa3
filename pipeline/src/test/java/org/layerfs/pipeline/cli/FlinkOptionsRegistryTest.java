package org.layerfs.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import java.util.List;
import java.util.Set;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.options.ExperimentalOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.layerfs.pipeline.run.JobJarOptions;

/** A Flink run's options come from Flink's interfaces alone, and carry nothing of the direct runner's. */
class FlinkOptionsRegistryTest {
  private static final CommandOptions SYNC = CommandOptions.of("sync", ImmutableMap.of(), ImmutableSet.of());

  @Test
  void aFlinkRunsOptionsAreMadeFromFlinksInterfacesAlone() throws UsageException {
    PipelineOptions options = BeamOptions.create(SYNC, List.of("--runner=FlinkRunner", "--flinkMaster=127.0.0.1:8081",
        "--parallelism=2", "--flinkJobJarDir=/mnt/jars"));
    assertEquals(Set.of(JobJarOptions.class), PipelineOptionsFactory.getRegisteredOptions());
    assertEquals("/mnt/jars", options.as(JobJarOptions.class).getFlinkJobJarDir());
    assertEquals(2, options.as(JobJarOptions.class).getParallelism());
    // What the Flink runner serialises for every step: none of the direct runner's settings.
    assertFalse(options.toString().contains("targetParallelism"), options::toString);
    assertFalse(options.toString().contains("enforceImmutability"), options::toString);
  }

  @Test
  void aDirectRunAfterAFlinkRunHasEveryInterfaceAgain() throws UsageException {
    BeamOptions.create(SYNC, List.of("--runner=org.apache.beam.runners.flink.FlinkRunner", "--flinkMaster=[local]"));
    assertEquals(Set.of(JobJarOptions.class), PipelineOptionsFactory.getRegisteredOptions());
    PipelineOptions direct = BeamOptions.create(SYNC, List.of("--targetParallelism=7"));
    assertTrue(PipelineOptionsFactory.getRegisteredOptions().contains(DirectOptions.class));
    assertEquals(7, direct.as(DirectOptions.class).getTargetParallelism());
    assertTrue(direct.toString().contains("enforceImmutability"), direct::toString);
  }

  @Test
  void anOptionOutsideFlinksInterfacesIsFoundInTheWholeRegistry() throws UsageException {
    PipelineOptions options = BeamOptions.create(SYNC, List.of("--runner=FlinkRunner", "--flinkMaster=[local]", "--experiments=a,b"));
    assertTrue(PipelineOptionsFactory.getRegisteredOptions().contains(ExperimentalOptions.class));
    assertEquals(List.of("a", "b"), options.as(ExperimentalOptions.class).getExperiments());
    assertEquals("[local]", options.as(JobJarOptions.class).getFlinkMaster());
  }
}
