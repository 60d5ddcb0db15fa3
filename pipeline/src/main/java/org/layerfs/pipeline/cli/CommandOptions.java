package org.layerfs.pipeline.cli;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import java.util.ArrayList;
import java.util.List;

/**
 * The options one command takes: those with a value (name to what the value is, {@code DIR}) and
 * bare flags. Every command also takes the {@link RegistryOptions}; any other {@code --option}
 * must be a Beam pipeline option ({@link BeamOptions}).
 */
public record CommandOptions(String command, ImmutableMap<String, String> valued, ImmutableSet<String> flags) {
  /** A command's own options; the registry options are added to them. */
  public static CommandOptions of(String command, ImmutableMap<String, String> valued, ImmutableSet<String> flags) {
    return new CommandOptions(
        command,
        ImmutableMap.<String, String>builder().putAll(valued).putAll(RegistryOptions.valued()).buildOrThrow(),
        flags);
  }

  /** The options as a user types them: {@code --out DIR, --json, ...}. */
  public String describe() {
    List<String> all = new ArrayList<>();
    valued.forEach((name, metavar) -> all.add("--" + name + " " + metavar));
    flags.forEach(name -> all.add("--" + name));
    return String.join(", ", all);
  }
}
