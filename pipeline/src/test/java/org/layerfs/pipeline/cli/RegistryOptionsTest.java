package org.layerfs.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.layerfs.io.registry.RegistryConfig;

/** The registry options set the configuration every reader and writer of a registry gets. */
class RegistryOptionsTest {
  private static final CommandOptions COMMAND = CommandOptions.of("index", ImmutableMap.of(), ImmutableSet.of());

  @Test
  void idleTimeoutSetsHowLongARegistryMaySendNothing() throws UsageException {
    RegistryConfig c = RegistryOptions.from(Args.parse(List.of("--idle-timeout=7"), COMMAND));
    assertEquals(Duration.ofSeconds(7), c.idleTimeout());
    assertEquals(RegistryConfig.DEFAULT_IDLE_TIMEOUT, RegistryOptions.from(Args.parse(List.of(), COMMAND)).idleTimeout());
  }

  @Test
  void anIdleTimeoutThatIsNoPositiveWholeNumberIsAUsageError() {
    for (String bad : List.of("0", "-3", "1.5", "soon")) {
      UsageException e = assertThrows(UsageException.class, () -> RegistryOptions.from(Args.parse(List.of("--idle-timeout", bad), COMMAND)));
      assertTrue(e.getMessage().startsWith("--idle-timeout takes a whole number of seconds"), e.getMessage());
    }
  }

  @Test
  void tlsVerifyTakesTrueOrFalse() throws UsageException {
    assertEquals(false, RegistryOptions.from(Args.parse(List.of("--tls-verify=false"), COMMAND)).tlsVerify());
    assertThrows(UsageException.class, () -> RegistryOptions.from(Args.parse(List.of("--tls-verify=no"), COMMAND)));
  }
}
