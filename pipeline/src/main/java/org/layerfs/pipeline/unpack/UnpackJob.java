package org.layerfs.pipeline.unpack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.auto.value.AutoValue;
import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptions;
import org.layerfs.io.files.DurableFiles;
import org.layerfs.io.model.Platform;
import org.layerfs.io.model.StrictJson;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.RegistryConfig;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.pipeline.cli.SingleImage;
import org.layerfs.pipeline.cli.UsageException;
import org.layerfs.pipeline.metrics.RunFigures;
import org.layerfs.pipeline.run.Progress;
import org.layerfs.transforms.catalog.FileEntryJson;
import org.layerfs.transforms.unpack.UnpackLimits;
import org.layerfs.transforms.unpack.TreeWriter;
import org.layerfs.transforms.unpack.UnpackTarget;

/**
 * {@code layerfs unpack REF DIR}: the merged root filesystem of one image written to DIR, through
 * the index (cached layers are not read for their catalog again). The tree is written into a
 * temporary sibling {@code .DIR.layerfs-tmp-*} and renamed to DIR only when complete; a failed
 * unpack removes it. Rootless, the owners go to {@code DIR.owners.jsonl}.
 */
@AutoValue
public abstract class UnpackJob {
  private static final ObjectMapper MAPPER = StrictJson.mapper();

  public abstract ImageReference reference();

  public abstract Path dir();

  public abstract Path cacheDir();

  public abstract Optional<Platform> platform();

  /** Owners recorded instead of applied, devices skipped: the default when not running as root. */
  public abstract boolean rootless();

  public abstract UnpackLimits limits();

  /** How registries are reached: TLS, credentials (the command line's registry options). */
  public abstract RegistryConfig registry();

  /** Made only when a layer is to be indexed (see {@code BeamOptions.whenNeeded}). */
  public abstract Supplier<PipelineOptions> pipelineOptions();

  /** Whether no Beam option was given: layers missing from the cache are then read beside the pipeline ({@link IndexBeforeUnpack}). */
  public abstract boolean besidePipeline();

  public static Builder builder() {
    return new AutoValue_UnpackJob.Builder().setRegistry(RegistryConfig.defaults()).setLimits(UnpackLimits.defaults()).setPlatform(Optional.empty())
        .setBesidePipeline(false);
  }

  /** Configures an unpack; reference, directory, cache, rootless and pipeline options are required. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setReference(ImageReference reference);

    public abstract Builder setDir(Path dir);

    public abstract Builder setCacheDir(Path cacheDir);

    public abstract Builder setPlatform(Optional<Platform> platform);

    public abstract Builder setRootless(boolean rootless);

    public abstract Builder setLimits(UnpackLimits limits);

    public abstract Builder setRegistry(RegistryConfig registry);

    public abstract Builder setPipelineOptions(Supplier<PipelineOptions> options);

    public abstract Builder setBesidePipeline(boolean besidePipeline);

    public abstract UnpackJob build();
  }

  /** Where the owners of a rootless unpack into {@code dir} are recorded. */
  public static Path ownersFile(Path dir) {
    return dir.resolveSibling(dir.getFileName() + ".owners.jsonl");
  }

  /**
   * Runs the unpack; returns the exit status (0 unpacked, 1 failed). DIR in use is a usage error.
   * Its figures go to {@code figures}.
   */
  public int run(PrintStream out, PrintStream err, Progress progress, RunFigures figures) throws IOException, UsageException {
    Path dir = dir().toAbsolutePath().normalize();
    checkEmptyOrAbsent(dir);
    ResolvedImage image = SingleImage.resolve(reference(), platform(), registry());
    Files.createDirectories(dir.getParent());
    Files.createDirectories(cacheDir());
    Path tmp = Files.createTempDirectory(dir.getParent(), "." + dir.getFileName() + ".layerfs-tmp-");
    long start = System.nanoTime();
    boolean done = false;
    try {
      // The tree away from the inodes a tree removed just before freed (TopOfHierarchy); its name
      // random, since ext4 starts its search for a group at the name's hash.
      TopOfHierarchy.mark(tmp);
      Path rootfs = Files.createTempDirectory(tmp, "rootfs-");
      // umoci's rootfs is 0755 whatever the umask; an image's root entry ("./") replaces it.
      Files.setAttribute(rootfs, "unix:mode", 0755);
      Path work = Files.createDirectory(tmp.resolve("work"));
      UnpackTarget target = UnpackTarget.of(image, registry(), rootfs, work, cacheDir(), limits(), !rootless());
      Optional<String> unindexed = IndexBeforeUnpack.run(image, registry(), cacheDir(), work, pipelineOptions(), besidePipeline(), progress, figures);
      TreeWriter.Written result =
          unindexed.isPresent() ? TreeWriter.Written.failed(List.of(unindexed.get()), List.of()) : new TreeWriter(target).write();
      result.notices().forEach(n -> err.println("layerfs: " + n));
      if (!result.errors().isEmpty()) {
        result.errors().forEach(e -> err.println("layerfs: " + e));
        err.println("layerfs: unpack of " + image.name() + " failed; " + dir + " not created");
        figures.images("unpacked", 0).images("failed", 1);
        return 1;
      }
      if (rootless()) {
        writeOwners(target.ownersDir(), ownersFile(dir));
      }
      Files.deleteIfExists(dir); // empty, checked above
      Files.move(rootfs, dir, StandardCopyOption.ATOMIC_MOVE);
      done = true;
      figures.images("unpacked", 1).images("failed", 0);
      out.printf("unpacked %s into %s: %d directories, %d other entries, %d hardlinks, %d bytes, %.1f s%n",
          image.name(), dir, result.directories(), result.written(), result.hardlinks(), result.bytes(),
          (System.nanoTime() - start) / 1e9);
      if (rootless()) {
        out.println("owners (not applied, rootless): " + ownersFile(dir));
      }
      return 0;
    } finally {
      try {
        MoreFiles.deleteRecursively(tmp, RecursiveDeleteOption.ALLOW_INSECURE);
      } catch (IOException e) {
        err.println("layerfs: could not remove " + (done ? "" : "the incomplete tree ") + tmp + ": " + e.getMessage());
      }
    }
  }

  private static void checkEmptyOrAbsent(Path dir) throws IOException, UsageException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new UsageException(dir + " exists and is not a directory (DIR must be empty or absent)");
    }
    try (Stream<Path> s = Files.list(dir)) {
      if (s.findAny().isPresent()) {
        throw new UsageException(dir + " is not empty (DIR must be empty or absent)");
      }
    }
  }

  /** Joins the steps' owner records into one file sorted by path, written under a temporary name. */
  private static void writeOwners(Path stepsDir, Path file) throws IOException {
    TreeMap<String, String> byPath = new TreeMap<>();
    try (Stream<Path> steps = Files.list(stepsDir)) {
      for (Path step : steps.toList()) {
        try (BufferedReader in = Files.newBufferedReader(step, StandardCharsets.UTF_8)) {
          for (String line; (line = in.readLine()) != null; ) {
            byPath.put(FileEntryJson.readName(MAPPER.readTree(line), "path"), line);
          }
        }
      }
    } catch (NoSuchFileException e) {
      // no step recorded an owner: an empty image
    }
    DurableFiles.write(file, out -> {
      Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
      for (String line : byPath.values()) {
        w.write(line);
        w.write('\n');
      }
      w.flush();
    });
  }
}
