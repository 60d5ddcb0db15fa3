package org.layerfs.pipeline.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A mirror config ({@code sync --config}) for one clear-text registry, and the sync that reads it. */
public final class MirrorYaml {
  private MirrorYaml() {}

  /** Writes {@code file}: the entry of {@code registry}, its {@code lines} indented under it, then {@code tls-verify: false}. */
  public static Path write(Path file, String registry, String... lines) throws IOException {
    List<String> yaml = new ArrayList<>(List.of(registry + ":"));
    for (String line : lines) {
      yaml.add("  " + line);
    }
    yaml.add("  tls-verify: false");
    yaml.add("");
    return Files.writeString(file, String.join("\n", yaml));
  }

  /** {@code layerfs sync --config CONFIG DESTINATION --tls-verify=false OPTIONS...}. */
  public static Cli.Result sync(Path config, String destination, String... options) {
    List<String> argv = new ArrayList<>(List.of("sync", "--config", config.toString(), destination, "--tls-verify=false"));
    argv.addAll(List.of(options));
    return Cli.run(argv);
  }
}
