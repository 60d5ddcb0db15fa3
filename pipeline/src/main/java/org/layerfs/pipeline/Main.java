package org.layerfs.pipeline;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.Platform;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.RegistryConfig;
import org.layerfs.pipeline.cli.Args;
import org.layerfs.pipeline.cli.CommandOptions;
import org.layerfs.pipeline.cli.References;
import org.layerfs.pipeline.cli.RegistryOptions;
import org.layerfs.pipeline.cli.UsageException;
import org.layerfs.pipeline.copy.CopyJob;
import org.layerfs.pipeline.copy.MirrorConfig;
import org.layerfs.pipeline.diff.DiffJob;
import org.layerfs.pipeline.index.IndexJob;
import org.layerfs.pipeline.inspect.Inspect;
import org.layerfs.pipeline.metrics.MetricsFile;
import org.layerfs.pipeline.metrics.RunFigures;
import org.layerfs.pipeline.report.Report;
import org.layerfs.pipeline.run.JobRunner;
import org.layerfs.pipeline.unpack.UnpackJob;
import org.layerfs.transforms.copy.CopyRequest;
import org.layerfs.transforms.copy.RateLimitPolicy;
import org.layerfs.transforms.unpack.SafeTree;

/** The {@code layerfs} command line. Exit status: 0 done, 1 some images failed, 2 bad usage. */
public final class Main {
  static final String USAGE =
      """
      usage: layerfs COMMAND ...

        layerfs inspect REF [--json] [--platform OS/ARCH[/VARIANT]]
        layerfs index REF... --out DIR [--cache-dir DIR] [--platform OS/ARCH[/VARIANT]] [--report FILE] [--metrics FILE]
        layerfs copy SRC DST [--platform OS/ARCH[/VARIANT][,...]] [--referrers=false] [--referrers-type REGEX] [--rate-limit ...] [--dry-run] [--report FILE] [--metrics FILE]
        layerfs sync SRC DST [--tags REGEX] [--immutable-tags REGEX] [--concurrent-requests N] [--platform OS/ARCH[/VARIANT][,...]]
                             [--referrers=false] [--referrers-type REGEX] [--rate-limit stop|wait|ignore] [--prune] [--dry-run] [--report FILE] [--metrics FILE]
        layerfs sync --config MIRROR.yaml DST [--immutable-tags REGEX] [--concurrent-requests N] [--platform ...] [--referrers=false] [--referrers-type REGEX]
                             [--rate-limit ...] [--prune] [--dry-run] [--report FILE] [--metrics FILE]
        layerfs move SRC DST [--platform OS/ARCH[/VARIANT][,...]] [--referrers=false] [--referrers-type REGEX] [--rate-limit ...] [--dry-run] [--report FILE] [--metrics FILE]
        layerfs unpack REF DIR [--rootless] [--cache-dir DIR] [--platform OS/ARCH[/VARIANT]] [--metrics FILE]
        layerfs diff REF_A REF_B [--json] [--cache-dir DIR] [--platform PLATFORM[,PLATFORM_B]]
        layerfs report CATALOG_DIR [--out FILE]

      REF: oci:DIR[:TAG|@DIGEST]  docker-archive:FILE[:REPO:TAG]  docker://HOST[:PORT]/REPO[:TAG|@DIGEST]
      --metrics FILE: the run's figures for node_exporter's textfile collector (Prometheus text format)
      Registry options, taken by every command but report:
        --tls-verify=false  plain HTTP and unverified TLS allowed
        --authfile FILE     credentials from FILE only (default: $REGISTRY_AUTH_FILE, then $DOCKER_CONFIG/config.json
                            or $HOME/.docker/config.json; credHelpers, auths, credsStore, as docker reads them)
        --idle-timeout S    a registry that sends (or takes) nothing for S seconds has stalled (default 20)
      Commands that run a pipeline (all but inspect and report) pass Beam pipeline options through
      (--runner=..., --targetParallelism=N, the Flink runner's); any other option is an error.
      Exit status: 0 all done, 1 some images failed, 2 bad usage.
      """;

  private Main() {}

  public static void main(String[] argv) {
    // Every command but a sync hashes what it reads. A sync whose tags are in step hashes
    // nothing, and readying the digests for it was 12 of its 90 CPU ms (README, "Start-up, ninth
    // session"); one that copies readies them on first use, a few ms into seconds of copying.
    if (argv.length == 0 || !argv[0].equals("sync")) {
      Digest.prepareInBackground();
    }
    // An embedded Flink (--flinkMaster=[local]) stops its Pekko actor system in the background
    // after the job's result is in; Pekko's JVM shutdown hook can then race System.exit and print
    // a NoClassDefFoundError from a closed class loader. The hook has nothing left to do.
    System.setProperty("pekko.jvm-shutdown-hooks", "off");
    // Paths and messages are printed as UTF-8 whatever the locale: Java's default for the
    // standard streams follows it, and under LC_ALL=POSIX would print every non-ASCII name as '?'.
    System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
    ProcessEnd.end(run(Arrays.asList(argv), System.out, System.err));
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
        case "copy" -> copy(CopyJob.Mode.COPY, rest, out, err);
        case "sync" -> copy(CopyJob.Mode.SYNC, rest, out, err);
        case "move" -> copy(CopyJob.Mode.MOVE, rest, out, err);
        case "unpack" -> unpack(rest, out, err);
        case "diff" -> diff(rest, out, err);
        case "report" -> report(rest, out);
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

  private static final CommandOptions INSPECT =
      CommandOptions.of("inspect", ImmutableMap.of("platform", "OS/ARCH[/VARIANT]"), ImmutableSet.of("json"));
  private static final CommandOptions INDEX = CommandOptions.of("index",
      ImmutableMap.of("out", "DIR", "cache-dir", "DIR", "platform", "OS/ARCH[/VARIANT]", "report", "FILE", "metrics", "FILE"),
      ImmutableSet.of());
  private static final CommandOptions UNPACK = CommandOptions.of("unpack",
      ImmutableMap.of("cache-dir", "DIR", "platform", "OS/ARCH[/VARIANT]", "metrics", "FILE"), ImmutableSet.of("rootless"));
  /** report reads only a catalog: no registry options. */
  private static final CommandOptions REPORT = new CommandOptions("report", ImmutableMap.of("out", "FILE"), ImmutableSet.of());
  private static final CommandOptions DIFF = CommandOptions.of("diff",
      ImmutableMap.of("cache-dir", "DIR", "platform", "PLATFORM[,PLATFORM_B]"), ImmutableSet.of("json"));
  private static final ImmutableMap<String, String> COPY_VALUED =
      ImmutableMap.of("platform", "OS/ARCH[/VARIANT][,...]", "report", "FILE", "metrics", "FILE", "rate-limit", "stop|wait|ignore",
          "referrers", "true|false", "referrers-type", "REGEX");
  private static final CommandOptions COPY = CommandOptions.of("copy", COPY_VALUED, ImmutableSet.of("dry-run"));
  private static final CommandOptions MOVE = CommandOptions.of("move", COPY_VALUED, ImmutableSet.of("dry-run"));
  private static final CommandOptions SYNC = CommandOptions.of("sync",
      ImmutableMap.<String, String>builder().put("platform", "OS/ARCH[/VARIANT][,...]").put("report", "FILE").put("metrics", "FILE")
          .put("tags", "REGEX").put("config", "MIRROR.yaml").put("immutable-tags", "REGEX").put("concurrent-requests", "N")
          .put("rate-limit", "stop|wait|ignore").put("referrers", "true|false").put("referrers-type", "REGEX").buildOrThrow(),
      ImmutableSet.of("prune", "dry-run"));

  private static int inspect(List<String> argv, PrintStream out, PrintStream err) throws Exception {
    Args args = Args.parse(argv, INSPECT);
    if (args.positional().size() != 1) {
      throw new UsageException("inspect takes exactly one REF");
    }
    args.requireNoPipelineArgs();
    return Inspect.run(
        References.parse(args.positional()).get(0),
        References.platform(args.option("platform")),
        args.registry(),
        args.flag("json"), out, err);
  }

  private static int index(List<String> argv, PrintStream out, PrintStream err) throws Exception {
    Args args = Args.parse(argv, INDEX);
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
            .setRegistry(args.registry())
            .setPipelineOptions(args.pipelineOptionsWhenNeeded())
            .setBesidePipeline(args.pipelineArgs().isEmpty())
            .build();
    return measured("index", args, err, figures -> job.run(out, err, JobRunner.progressFor(err), figures));
  }

  private static int report(List<String> argv, PrintStream out) throws Exception {
    Args args = Args.parse(argv, REPORT);
    if (args.positional().size() != 1) {
      throw new UsageException("report takes exactly one CATALOG_DIR");
    }
    args.requireNoPipelineArgs();
    Path catalog = Path.of(args.positional().get(0));
    Path file = args.option("out").map(Path::of).orElse(catalog.resolve("report.html"));
    out.println("report: " + Report.write(catalog, file) + ": " + file);
    return 0;
  }

  private static int unpack(List<String> argv, PrintStream out, PrintStream err) throws Exception {
    Args args = Args.parse(argv, UNPACK);
    if (args.positional().size() != 2) {
      throw new UsageException("unpack takes one REF and one DIR");
    }
    UnpackJob job =
        UnpackJob.builder()
            .setReference(References.parse(args.positional().subList(0, 1)).get(0))
            .setDir(Path.of(args.positional().get(1)).toAbsolutePath())
            .setCacheDir(cacheDir(args))
            .setPlatform(References.platform(args.option("platform")))
            .setRootless(args.flag("rootless") || !SafeTree.runningAsRoot())
            .setRegistry(args.registry())
            .setPipelineOptions(args.pipelineOptionsWhenNeeded())
            .setBesidePipeline(args.pipelineArgs().isEmpty())
            .build();
    return measured("unpack", args, err, figures -> job.run(out, err, JobRunner.progressFor(err), figures));
  }

  private static int diff(List<String> argv, PrintStream out, PrintStream err) throws Exception {
    Args args = Args.parse(argv, DIFF);
    if (args.positional().size() != 2) {
      throw new UsageException("diff takes two REFs");
    }
    List<ImageReference> refs = References.parse(args.positional());
    // --platform A,B selects A of REF_A's index and B of REF_B's; --platform P selects P of both.
    List<String> platforms = args.option("platform").map(p -> List.of(p.split(",", -1))).orElse(List.of());
    if (platforms.size() > 2) {
      throw new UsageException("diff: --platform takes one platform or two separated by a comma");
    }
    DiffJob job =
        DiffJob.builder()
            .setFirst(refs.get(0))
            .setSecond(refs.get(1))
            .setCacheDir(cacheDir(args))
            .setPlatform(References.platform(platforms.stream().findFirst()))
            .setSecondPlatform(References.platform(platforms.stream().reduce((first, last) -> last)))
            .setJson(args.flag("json"))
            .setRegistry(args.registry())
            .setPipelineOptions(args.pipelineOptions())
            .build();
    return job.run(out, err, JobRunner.progressFor(err));
  }

  private static int copy(CopyJob.Mode mode, List<String> argv, PrintStream out, PrintStream err) throws Exception {
    Args args = Args.parse(argv, switch (mode) {
      case COPY -> COPY;
      case SYNC -> SYNC;
      case MOVE -> MOVE;
    });
    String command = mode.name().toLowerCase(java.util.Locale.ROOT);
    List<Platform> platforms = References.platforms(args.option("platform"));
    RegistryConfig registry = args.registry();
    Optional<String> immutableTags = args.option("immutable-tags");
    if (immutableTags.isPresent()) {
      regex("--immutable-tags", immutableTags.get());
    }
    int concurrency = concurrency(args.option("concurrent-requests"));
    List<CopyRequest> requests;
    if (args.option("config").isPresent()) {
      if (args.positional().size() != 1 || args.option("tags").isPresent()) {
        throw new UsageException("sync --config FILE takes one DST and no --tags (the file names the tags)");
      }
      ImageReference dst = destination(mode, args.positional().get(0));
      requests = MirrorConfig.read(Path.of(args.option("config").get()), dst, platforms, registry, immutableTags, concurrency);
    } else {
      if (args.positional().size() != 2) {
        throw new UsageException(command + " takes one SRC and one DST");
      }
      ImageReference src = References.parse(args.positional().subList(0, 1)).get(0);
      if (mode == CopyJob.Mode.MOVE && src.transport() == ImageReference.Transport.DOCKER_ARCHIVE) {
        throw new UsageException("move cannot remove images from a docker archive; use copy");
      }
      Optional<String> tags = args.option("tags");
      if (tags.isPresent()) {
        regex("--tags", tags.get());
      }
      requests = List.of(CopyRequest.builder()
          .setSource(src)
          .setDestination(destination(mode, args.positional().get(1)))
          .setTagPattern(tags)
          .setImmutableTags(immutableTags)
          .setSourceConcurrency(concurrency)
          .setDestinationConcurrency(concurrency)
          .setPlatforms(platforms)
          .setOnlyChanged(mode == CopyJob.Mode.SYNC)
          .setSourceRegistry(registry)
          .setDestinationRegistry(registry)
          .build());
    }
    boolean referrers = args.option("referrers").isEmpty() || RegistryOptions.bool("referrers", args.option("referrers").get());
    Optional<String> referrersType = args.option("referrers-type");
    if (referrersType.isPresent()) {
      regex("--referrers-type", referrersType.get());
    }
    requests = requests.stream().map(r -> r.withReferrers(referrers, referrersType)).toList();
    CopyJob job =
        CopyJob.builder()
            .setMode(mode)
            .setRequests(requests)
            .setPrune(args.flag("prune"))
            .setDryRun(args.flag("dry-run"))
            .setReport(args.option("report").map(Path::of))
            .setPipelineOptions(args.pipelineOptionsWhenNeeded())
            .setDefaultRunner(args.pipelineArgs().isEmpty())
            .setRateLimit(rateLimit(args.option("rate-limit")))
            .build();
    return measured(command, args, err, figures -> job.run(out, err, JobRunner.progressFor(err), figures));
  }

  /** A command's run, which reports its figures to {@code --metrics}. */
  private interface MeasuredRun {
    int run(RunFigures figures) throws Exception;
  }

  /**
   * Runs {@code job}; with {@code --metrics FILE}, then writes its figures there, also when it
   * failed with an exception (a failed run is what the metrics are watched for).
   */
  private static int measured(String command, Args args, PrintStream err, MeasuredRun job) throws Exception {
    Optional<Path> file = args.option("metrics").map(Path::of);
    RunFigures figures = new RunFigures(command);
    long start = System.nanoTime();
    int exit;
    try {
      exit = job.run(figures);
    } catch (Exception e) {
      if (file.isPresent()) {
        try {
          MetricsFile.write(file.get(), figures, false, (System.nanoTime() - start) / 1e9, Instant.now());
        } catch (IOException metricsFailed) {
          e.addSuppressed(metricsFailed);
          err.println("layerfs: --metrics " + file.get() + ": " + metricsFailed.getMessage());
        }
      }
      throw e;
    }
    if (file.isPresent()) {
      MetricsFile.write(file.get(), figures, exit == 0, (System.nanoTime() - start) / 1e9, Instant.now());
    }
    return exit;
  }

  /** {@code --concurrent-requests N}: planning's limit per registry. */
  private static RateLimitPolicy rateLimit(Optional<String> value) throws UsageException {
    try {
      return value.map(RateLimitPolicy::parse).orElse(RateLimitPolicy.of(RateLimitPolicy.Action.STOP));
    } catch (IllegalArgumentException e) {
      throw new UsageException("--rate-limit: " + e.getMessage());
    }
  }

  private static int concurrency(Optional<String> value) throws UsageException {
    if (value.isEmpty()) {
      return CopyRequest.DEFAULT_CONCURRENCY;
    }
    if (!value.get().matches("[1-9][0-9]?")) {
      throw new UsageException("--concurrent-requests takes a whole number from 1 to 99, not \"" + value.get() + "\"");
    }
    return Integer.parseInt(value.get());
  }

  private static void regex(String option, String regex) throws UsageException {
    try {
      Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new UsageException(option + ": " + e.getMessage());
    }
  }

  /** Parses a copy destination; sync and move need one that keeps tags (not a docker archive). */
  private static ImageReference destination(CopyJob.Mode mode, String text) throws UsageException {
    ImageReference dst = References.parse(List.of(text)).get(0);
    if (dst.digest().isPresent()) {
      throw new UsageException(text + ": a destination takes a tag, not a digest");
    }
    if (mode != CopyJob.Mode.COPY && dst.transport() == ImageReference.Transport.DOCKER_ARCHIVE) {
      throw new UsageException(mode.name().toLowerCase(java.util.Locale.ROOT)
          + " needs a destination that keeps tags (oci: or docker://); copy writes docker archives");
    }
    return dst;
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

  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getMessage() != null && root.getCause().getMessage() != null
        && !(root instanceof java.io.IOException)) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
