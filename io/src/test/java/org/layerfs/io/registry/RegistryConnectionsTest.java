package org.layerfs.io.registry;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Closing the connections ends the HTTP client's selector thread, which held the JVM's exit 300 ms. */
class RegistryConnectionsTest {
  @Test
  void closeEndsTheSelectorThread() throws InterruptedException {
    // HttpClient.shutdownNow is Java 21's; on 17 the thread stays until the client is collected.
    assumeTrue(Runtime.version().feature() >= 21, "needs Java 21 or later");
    Set<Thread> before = selectorThreads();
    RegistryConnections connections = new RegistryConnections();
    connections.http(RegistryConfig.defaults());
    Set<Thread> started = selectorThreads();
    started.removeAll(before);
    assertFalse(started.isEmpty(), "the client started no selector thread");

    connections.close();

    for (Thread t : started) {
      // Bounded so that a regression fails instead of hanging; a working shutdown ends it in milliseconds.
      t.join(30_000);
      assertFalse(t.isAlive(), t.getName() + " still runs after close");
    }
  }

  private static Set<Thread> selectorThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("HttpClient-") && t.getName().endsWith("-SelectorManager"))
        .collect(Collectors.toSet());
  }
}
