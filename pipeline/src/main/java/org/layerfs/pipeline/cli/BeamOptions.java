package org.layerfs.pipeline.cli;

import com.google.common.base.Suppliers;
import com.google.common.collect.ImmutableSet;
import java.beans.Introspector;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.layerfs.pipeline.run.JobJarOptions;

/**
 * The Beam pipeline options a command passes through ({@code --runner=...},
 * {@code --targetParallelism=N}, the Flink runner's). An option neither layerfs nor any registered
 * Beam options interface knows is a usage error in layerfs's words, naming the command and what
 * it takes, rather than Beam's "missing a property" about its own interfaces.
 */
public final class BeamOptions {
  private BeamOptions() {}

  /** The pipeline options {@code args} (those layerfs does not know) ask for. */
  public static PipelineOptions create(CommandOptions command, List<String> args) throws UsageException {
    boolean flink = args.stream().anyMatch(BeamOptions::asksForFlink);
    ImmutableSet<String> known;
    if (flink && properties(List.of(JobJarOptions.class)).containsAll(args.stream().map(BeamOptions::name).toList())) {
      FlinkOptionsRegistry.narrow();
      known = registeredProperties();
    } else {
      FlinkOptionsRegistry.whole();
      ImmutableSet<String> direct = registeredProperties();
      known = direct;
      if (args.stream().anyMatch(arg -> !direct.contains(name(arg)) || asksForAnotherRunner(arg))) {
        // One registration for Flink's options and layerfs's own for Flink (which extend them): Beam
        // validates every registered interface again at each registration.
        PipelineOptionsFactory.register(JobJarOptions.class);
        known = registeredProperties();
      }
    }
    for (String arg : args) {
      String name = name(arg);
      if (!known.contains(name)) {
        throw new UsageException(command.command() + ": unknown option --" + name + "\n"
            + command.command() + " takes " + command.describe()
            + ", and Beam pipeline options (--runner=NAME, --targetParallelism=N, ...)");
      }
    }
    try {
      PipelineOptions options = PipelineOptionsFactory.fromArgs(args.toArray(new String[0])).withValidation().create();
      if (!flink) {
        directRunnerDefaults(options, args);
      }
      return options;
    } catch (IllegalArgumentException e) {
      throw new UsageException(command.command() + ": " + e.getMessage());
    }
  }

  /**
   * The direct runner's settings layerfs chooses; a Flink run is spared them, which would only add
   * the direct runner's options to what Flink's runner serialises for every step.
   */
  private static void directRunnerDefaults(PipelineOptions options, List<String> args) {
    if (args.stream().noneMatch(arg -> name(arg).equals("targetParallelism"))) {
      // The direct runner's pool is at least 3 threads, and one of them, its monitor, spins
      // (apache/beam#18070): on 2 cores it competes with the work. One thread per core ran a
      // warm index faster (README, Benchmark).
      options.as(DirectOptions.class).setTargetParallelism(Runtime.getRuntime().availableProcessors());
    }
    DirectRunnerChecks.apply(options, args.stream().map(BeamOptions::name).toList());
  }

  /**
   * The same options, made when first asked for when {@code args} is empty: a job that finds
   * nothing to do (a sync in step) then never makes them. Making them is most of such a job's own
   * CPU time: Beam validates every registered options interface (README, Benchmark). Options on the
   * command line are still checked at once.
   */
  public static Supplier<PipelineOptions> whenNeeded(CommandOptions command, List<String> args) throws UsageException {
    if (!args.isEmpty()) {
      PipelineOptions options = create(command, args);
      return () -> options;
    }
    return Suppliers.memoize(() -> {
      try {
        return create(command, args);
      } catch (UsageException e) {
        throw new IllegalStateException("no options, yet " + e.getMessage(), e);
      }
    });
  }

  private static String name(String arg) {
    int eq = arg.indexOf('=');
    return arg.substring(2, eq < 0 ? arg.length() : eq);
  }

  private static boolean asksForAnotherRunner(String arg) {
    return arg.startsWith("--runner=") && !arg.substring("--runner=".length()).toLowerCase(Locale.ROOT).startsWith("direct");
  }

  /** Whether {@code arg} asks for Beam's Flink runner, by its name or its class's. */
  private static boolean asksForFlink(String arg) {
    if (!arg.startsWith("--runner=")) {
      return false;
    }
    String runner = arg.substring("--runner=".length());
    return runner.substring(runner.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT).startsWith("flink");
  }

  /** Every property of every options interface registered with Beam. */
  private static ImmutableSet<String> registeredProperties() {
    return properties(PipelineOptionsFactory.getRegisteredOptions());
  }

  /** Every property of {@code interfaces}. */
  private static ImmutableSet<String> properties(Collection<? extends Class<? extends PipelineOptions>> interfaces) {
    ImmutableSet.Builder<String> names = ImmutableSet.builder();
    for (Class<? extends PipelineOptions> options : interfaces) {
      // getMethods() of an interface includes those it inherits: every getter is a property.
      for (Method m : options.getMethods()) {
        if (m.getParameterCount() != 0) {
          continue;
        }
        String n = m.getName();
        if (n.startsWith("get") && n.length() > 3) {
          names.add(Introspector.decapitalize(n.substring(3)));
        } else if (n.startsWith("is") && n.length() > 2 && m.getReturnType() == boolean.class) {
          names.add(Introspector.decapitalize(n.substring(2)));
        }
      }
    }
    return names.build();
  }
}
