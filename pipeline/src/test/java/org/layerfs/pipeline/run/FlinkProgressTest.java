package org.layerfs.pipeline.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The launcher's reads of a JobManager's REST API leave no thread behind that sits in a native call:
 * the JVM's exit waits 300 ms for such threads (the JDK's HTTP client keeps one in epoll_wait for as
 * long as the client lives), a tenth of the time a Flink command spends outside its job.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class FlinkProgressTest {
  @Test
  void pollingAJobManagerThatDropsTheConnectionLeavesNoThreadInNativeCode() throws Exception {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    try (ServerSocket jobManager = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Semaphore accepted = new Semaphore(0);
      Thread dropper = new Thread(() -> {
        while (true) {
          try (Socket s = jobManager.accept()) {
            accepted.release();
          } catch (IOException e) {
            return;
          }
        }
      });
      dropper.setDaemon(true);
      dropper.start();
      FlinkPipelineOptions options = PipelineOptionsFactory.fromArgs("--flinkMaster=127.0.0.1:" + jobManager.getLocalPort(), "--jobName=held")
          .as(FlinkPipelineOptions.class);
      FlinkProgress progress = FlinkProgress.watch(options, new Progress(new PrintStream(new ByteArrayOutputStream()), false)).orElseThrow();
      accepted.acquire();
      progress.close();
      jobManager.close();
      dropper.join();
      // The progress object is still reachable here, as it is in the launcher until the command ends.
      assertEquals(List.of(), inNativeCode(before));
    }
  }

  /** Threads started since {@code before} that are running a native method (blocked in a system call). */
  static List<String> inNativeCode(Set<Thread> before) {
    return Thread.getAllStackTraces().entrySet().stream()
        .filter(e -> !before.contains(e.getKey()) && e.getKey().getState() == Thread.State.RUNNABLE)
        .filter(e -> e.getValue().length > 0 && e.getValue()[0].isNativeMethod())
        .map(e -> e.getKey().getName() + " in " + e.getValue()[0])
        .toList();
  }
}
