package org.layerfs.pipeline;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The launcher's training run for its class-data archive: the commands whose classes the
 * archive should hold, in one JVM (an archive is written when its JVM exits): an index, a sync
 * that copies, and the same sync again, which finds nothing to do, and an index and a sync
 * through their pipelines (a Beam option asks for it: on the default direct runner a cold index,
 * a cold unpack's indexing, a copy or a sync goes beside it; a move and a Flink job through it).
 * Trained on an index alone, the archive missed the classes of a sync's planning and copying.
 * With {@code beside}, only the two syncs beside the pipeline: the launcher's AOT cache for a
 * copy or sync on Java 25, whose every class the JVM loads at start, so it holds no more than
 * those commands need. With {@code registry}, the AOT cache of a copy or sync that names a
 * registry: a sync from a {@link TrainingRegistry} serving IMAGES into a layout, the same again
 * with nothing to do, and a sync of IMAGES into that registry, which already has them.
 *
 * <p>usage: {@code java -XX:ArchiveClassesAtExit=A -cp layerfs.jar org.layerfs.pipeline.ArchiveTraining IMAGES SCRATCH [beside|registry]}
 * with IMAGES an OCI layout holding a tag {@code small} and SCRATCH an empty directory.
 */
public final class ArchiveTraining {
  private ArchiveTraining() {}

  public static void main(String[] args) throws IOException {
    String images = args[0];
    String scratch = args[1];
    String mode = args.length > 2 ? args[2] : "";
    List<List<String>> beside = List.of(
        List.of("sync", "oci:" + images, "oci:" + scratch + "/mirror"),
        List.of("sync", "oci:" + images, "oci:" + scratch + "/mirror"));
    if (mode.equals("registry")) {
      try (TrainingRegistry registry = TrainingRegistry.serve(Path.of(images))) {
        String remote = "docker://" + registry.host() + "/training";
        run(List.of(
            List.of("sync", remote, "oci:" + scratch + "/pulled", "--tls-verify=false"),
            List.of("sync", remote, "oci:" + scratch + "/pulled", "--tls-verify=false"),
            List.of("sync", "oci:" + images, remote, "--tls-verify=false")));
      }
    } else if (mode.equals("beside")) {
      run(beside);
    } else {
      run(List.of(
          List.of("index", "oci:" + images + ":small", "--out", scratch + "/out", "--cache-dir", scratch + "/cache"),
          List.of("index", "oci:" + images + ":small", "--out", scratch + "/piped-out", "--cache-dir", scratch + "/piped-cache",
              "--targetParallelism=2"),
          beside.get(0),
          beside.get(1),
          List.of("sync", "oci:" + images, "oci:" + scratch + "/piped", "--targetParallelism=2")));
    }
    ProcessEnd.end(0);
  }

  /** Runs the commands in turn; the first that fails ends the training with its status. */
  private static void run(List<List<String>> commands) {
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
    for (List<String> command : commands) {
      int status = Main.run(command, quiet, System.err);
      if (status != 0) {
        System.err.println("layerfs: training run " + command + " ended with status " + status);
        System.exit(status);
      }
    }
  }
}
