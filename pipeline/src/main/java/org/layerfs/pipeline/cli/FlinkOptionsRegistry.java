package org.layerfs.pipeline.cli;

import java.io.IOException;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.PipelineOptionsRegistrar;
import org.layerfs.pipeline.run.JobJarOptions;

/**
 * Beam's registry of options interfaces cut down to what a Flink run reads: {@link JobJarOptions}
 * (the Flink runner's options and layerfs's own). Beam registers every interface its registrars on
 * the class path name (12 in the launcher jar, the direct runner's among them), validates all of
 * them against each other at each registration, and every options object it makes then knows them
 * all, so each later {@code as(...)} and each of the Flink runner's serialisations of the options
 * (one per step) goes over all of them again (README, "Command to answer"). The registrars are found
 * through the thread's context class loader: while the registry is remade, that loader hides them.
 */
final class FlinkOptionsRegistry {
  private static final String REGISTRARS = "META-INF/services/" + PipelineOptionsRegistrar.class.getName();

  /** Whether the registry is the cut-down one, so that a direct run in the same JVM gets the whole one back. */
  private static boolean narrow;

  private FlinkOptionsRegistry() {}

  /** Makes Beam's registry Flink's alone: {@link JobJarOptions} (and the base interface, which it does not list). */
  static synchronized void narrow() {
    if (narrow) {
      return;
    }
    Thread thread = Thread.currentThread();
    ClassLoader context = thread.getContextClassLoader();
    thread.setContextClassLoader(new ClassLoader(FlinkOptionsRegistry.class.getClassLoader()) {
      @Override
      public Enumeration<URL> getResources(String name) throws IOException {
        return name.equals(REGISTRARS) ? Collections.emptyEnumeration() : super.getResources(name);
      }
    });
    try {
      // The first use of the factory builds its registry (with the loader above); a JVM that used it
      // before (a test's) has it rebuilt.
      PipelineOptionsFactory.resetCache();
    } finally {
      thread.setContextClassLoader(context);
    }
    PipelineOptionsFactory.register(JobJarOptions.class);
    narrow = true;
  }

  /** Gives Beam's registry back every interface the class path registers, if {@link #narrow} cut it. */
  static synchronized void whole() {
    if (narrow) {
      PipelineOptionsFactory.resetCache();
      narrow = false;
    }
  }
}
