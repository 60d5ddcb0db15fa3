package org.layerfs.pipeline;

import com.google.common.collect.ImmutableSet;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.layerfs.pipeline.cli.Args;
import org.layerfs.pipeline.cli.References;
import org.layerfs.pipeline.cli.UsageException;
import org.layerfs.pipeline.index.IndexJob;
import org.layerfs.pipeline.inspect.Inspect;
import org.layerfs.pipeline.run.JobRunner;

/** The {@code layerfs} command line. Exit status: 0 done, 1 some images failed, 2 bad usage. */
public final class Main {
  static final String USAGE =
      """
      usage: layerfs COMMAND ...

        layerfs inspect REF [--json] [--platform OS/ARCH[/VARIANT]]
        layerfs index REF... --out DIR [--cache-dir DIR] [--platform OS/ARCH[/VARIANT]] [--report FILE]

      REF: oci:DIR[:TAG|@DIGEST]  docker-archive:FILE[:REPO:TAG]  docker://HOST[:PORT]/REPO[:TAG|@DIGEST]
      Other --options are Beam pipeline options (--runner=..., --targetParallelism=N).
      Exit status: 0 all done, 1 some images failed, 2 bad usage.
      """;

  private Main() {}

  public static void main(String[] argv) {
    System.exit(run(Arrays.asList(argv), System.out, System.err));
  }

  /** Runs one command; returns its exit status. */
  public static int run(List<String> argv, PrintStream out, PrintStream err) {
    if (argv.isEmpty() || argv.get(0).equals("help") || argv.get(0).equals("--help") || argv.get(0).equals("-h")) {
      (argv.isEmpty() ? err : out).print(USAGE);
      return argv.isEmpty() ? 2 : 0;
    }
    try {
      List<String> rest = argv.subList(1, argv.size());
      return switch (argv.get(0)) {
        case "inspect" -> inspect(rest, out, err);
        case "index" -> index(rest, out, err);
        default -> throw new UsageException("unknown command \"" + argv.get(0) + "\"");
      };
    } catch (UsageException e) {
      err.println("layerfs: " + e.getMessage());
      err.print(USAGE);
      return 2;
    } catch (Exception e) {
      err.println("layerfs: " + describe(e));
      return 1;
    }
  }

  private static int inspect(List<String> argv, PrintStream out, PrintStream err) throws Exception {
    Args args = Args.parse(argv, ImmutableSet.of("platform"), ImmutableSet.of("json"));
    if (args.positional().size() != 1) {
      throw new UsageException("inspect takes exactly one REF");
    }
    if (!args.pipelineArgs().isEmpty()) {
      throw new UsageException("unknown option " + args.pipelineArgs().get(0));
    }
    return Inspect.run(
        References.parse(args.positional()).get(0),
        References.platform(args.option("platform")),
        args.flag("json"), out, err);
  }

  private static int index(List<String> argv, PrintStream out, PrintStream err) throws Exception {
    Args args = Args.parse(argv, ImmutableSet.of("out", "cache-dir", "platform", "report"), ImmutableSet.of());
    if (args.positional().isEmpty()) {
      throw new UsageException("index needs at least one REF");
    }
    Path outDir = Path.of(args.option("out").orElseThrow(() -> new UsageException("index needs --out DIR")));
    IndexJob job =
        IndexJob.builder()
            .setReferences(References.parse(args.positional()))
            .setOutDir(outDir.toAbsolutePath())
            .setCacheDir(cacheDir(args))
            .setPlatform(References.platform(args.option("platform")))
            .setReport(args.option("report").map(Path::of))
            .setPipelineOptions(pipelineOptions(args))
            .build();
    return job.run(out, err, JobRunner.progressFor(err));
  }

  private static Path cacheDir(Args args) {
    return args.option("cache-dir")
        .map(Path::of)
        .orElseGet(() -> {
          String xdg = System.getenv("XDG_CACHE_HOME");
          Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
          return base.resolve("layerfs");
        })
        .toAbsolutePath();
  }

  private static PipelineOptions pipelineOptions(Args args) throws UsageException {
    try {
      return PipelineOptionsFactory.fromArgs(args.pipelineArgs().toArray(new String[0])).withValidation().create();
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getMessage() != null && root.getCause().getMessage() != null
        && !(root instanceof java.io.IOException)) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
