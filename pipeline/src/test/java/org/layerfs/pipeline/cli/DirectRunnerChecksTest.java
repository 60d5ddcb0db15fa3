package org.layerfs.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import java.util.List;
import org.apache.beam.runners.direct.DirectOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The direct runner's element checks: off in a run, on in the tests, and the command line wins. */
class DirectRunnerChecksTest {
  private final String before = System.getProperty(DirectRunnerChecks.PROPERTY);

  @AfterEach
  void restore() {
    if (before == null) {
      System.clearProperty(DirectRunnerChecks.PROPERTY);
    } else {
      System.setProperty(DirectRunnerChecks.PROPERTY, before);
    }
  }

  private static DirectOptions options(String... args) throws UsageException {
    return BeamOptions.create(CommandOptions.of("index", ImmutableMap.of(), ImmutableSet.of()),
        List.of(args)).as(DirectOptions.class);
  }

  @Test
  void aRunIsSparedTheChecks() throws UsageException {
    System.clearProperty(DirectRunnerChecks.PROPERTY);
    DirectOptions options = options();
    assertFalse(options.isEnforceImmutability());
    assertFalse(options.isEnforceEncodability());
  }

  @Test
  void theTestsKeepThem() throws UsageException {
    assertTrue(Boolean.parseBoolean(before), "the build sets " + DirectRunnerChecks.PROPERTY + " for the tests");
    DirectOptions options = options();
    assertTrue(options.isEnforceImmutability());
    assertTrue(options.isEnforceEncodability());
  }

  @Test
  void theCommandLineWins() throws UsageException {
    System.clearProperty(DirectRunnerChecks.PROPERTY);
    DirectOptions options = options("--enforceImmutability=true");
    assertTrue(options.isEnforceImmutability());
    assertFalse(options.isEnforceEncodability());
  }
}
