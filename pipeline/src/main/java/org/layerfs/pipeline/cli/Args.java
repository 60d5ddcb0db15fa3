package org.layerfs.pipeline.cli;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableListMultimap;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.beam.sdk.options.PipelineOptions;
import org.layerfs.io.registry.RegistryConfig;

/**
 * A command's arguments: positional ones, layerfs's own options ({@code --name VALUE},
 * {@code --name=VALUE} or a bare flag) and everything else starting with {@code --}, which is
 * handed to Beam as pipeline options ({@code --runner=...}) when Beam knows it.
 */
public final class Args {
  private final CommandOptions command;
  private final ImmutableList<String> positional;
  private final ImmutableListMultimap<String, String> options;
  private final ImmutableList<String> pipelineArgs;

  private Args(
      CommandOptions command,
      ImmutableList<String> positional,
      ImmutableListMultimap<String, String> options,
      ImmutableList<String> pipelineArgs) {
    this.command = command;
    this.positional = positional;
    this.options = options;
    this.pipelineArgs = pipelineArgs;
  }

  /**
   * Parses {@code argv} for {@code command}; an {@code --option} it does not take goes to Beam.
   */
  public static Args parse(List<String> argv, CommandOptions command) throws UsageException {
    ImmutableList.Builder<String> positional = ImmutableList.builder();
    ImmutableListMultimap.Builder<String, String> options = ImmutableListMultimap.builder();
    ImmutableList.Builder<String> pipeline = ImmutableList.builder();
    boolean onlyPositional = false;
    for (int i = 0; i < argv.size(); i++) {
      String a = argv.get(i);
      if (onlyPositional || !a.startsWith("--")) {
        positional.add(a);
        continue;
      }
      if (a.equals("--")) {
        onlyPositional = true;
        continue;
      }
      int eq = a.indexOf('=');
      String name = a.substring(2, eq < 0 ? a.length() : eq);
      if (command.valued().containsKey(name)) {
        if (eq >= 0) {
          options.put(name, a.substring(eq + 1));
        } else if (i + 1 < argv.size()) {
          options.put(name, argv.get(++i));
        } else {
          throw new UsageException("--" + name + " needs a value");
        }
      } else if (command.flags().contains(name)) {
        if (eq >= 0) {
          throw new UsageException("--" + name + " takes no value");
        }
        options.put(name, "true");
      } else {
        pipeline.add(a);
      }
    }
    return new Args(command, positional.build(), options.build(), pipeline.build());
  }

  public ImmutableList<String> positional() {
    return positional;
  }

  /** The option's value; the last one wins when given twice. */
  public Optional<String> option(String name) {
    List<String> values = options.get(name);
    return values.isEmpty() ? Optional.empty() : Optional.of(values.get(values.size() - 1));
  }

  public boolean flag(String name) {
    return options.containsKey(name);
  }

  /** The arguments meant for Beam's {@code PipelineOptionsFactory}. */
  public ImmutableList<String> pipelineArgs() {
    return pipelineArgs;
  }

  /** Beam's options from {@link #pipelineArgs}; one Beam does not know either is a usage error. */
  public PipelineOptions pipelineOptions() throws UsageException {
    return BeamOptions.create(command, pipelineArgs);
  }

  /** Beam's options as {@link #pipelineOptions}, made only if a pipeline is run ({@link BeamOptions#whenNeeded}). */
  public Supplier<PipelineOptions> pipelineOptionsWhenNeeded() throws UsageException {
    return BeamOptions.whenNeeded(command, pipelineArgs);
  }

  /** The registry configuration the registry options ask for. */
  public RegistryConfig registry() throws UsageException {
    return RegistryOptions.from(this);
  }

  /** A usage error when any option is meant for Beam: for commands that run no pipeline. */
  public void requireNoPipelineArgs() throws UsageException {
    if (!pipelineArgs.isEmpty()) {
      String arg = pipelineArgs.get(0);
      int eq = arg.indexOf('=');
      throw new UsageException(command.command() + ": unknown option " + (eq < 0 ? arg : arg.substring(0, eq)) + "\n"
          + command.command() + " takes " + command.describe());
    }
  }
}
