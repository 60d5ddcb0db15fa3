package org.layerfs.pipeline.cli;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableListMultimap;
import com.google.common.collect.ImmutableSet;
import java.util.List;
import java.util.Optional;

/**
 * A command's arguments: positional ones, layerfs's own options ({@code --name VALUE},
 * {@code --name=VALUE} or a bare flag) and everything else starting with {@code --}, which is
 * handed to Beam as pipeline options ({@code --runner=...}).
 */
public final class Args {
  private final ImmutableList<String> positional;
  private final ImmutableListMultimap<String, String> options;
  private final ImmutableList<String> pipelineArgs;

  private Args(ImmutableList<String> positional, ImmutableListMultimap<String, String> options, ImmutableList<String> pipelineArgs) {
    this.positional = positional;
    this.options = options;
    this.pipelineArgs = pipelineArgs;
  }

  /**
   * Parses {@code argv}. {@code valued} are the command's options that take a value, {@code flags}
   * those that do not; any other {@code --option} goes to Beam.
   */
  public static Args parse(List<String> argv, ImmutableSet<String> valued, ImmutableSet<String> flags) throws UsageException {
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
      if (valued.contains(name)) {
        if (eq >= 0) {
          options.put(name, a.substring(eq + 1));
        } else if (i + 1 < argv.size()) {
          options.put(name, argv.get(++i));
        } else {
          throw new UsageException("--" + name + " needs a value");
        }
      } else if (flags.contains(name)) {
        if (eq >= 0) {
          throw new UsageException("--" + name + " takes no value");
        }
        options.put(name, "true");
      } else {
        pipeline.add(a);
      }
    }
    return new Args(positional.build(), options.build(), pipeline.build());
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
}
