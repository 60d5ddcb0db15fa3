package org.layerfs.pipeline.diff;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.auto.value.AutoValue;
import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.layerfs.io.model.Platform;
import org.layerfs.io.model.StrictJson;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.RegistryConfig;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.pipeline.cli.SingleImage;
import org.layerfs.pipeline.cli.UsageException;
import org.layerfs.pipeline.run.JobRunner;
import org.layerfs.pipeline.run.MergeImages;
import org.layerfs.pipeline.run.Progress;
import org.layerfs.pipeline.run.Scratch;
import org.layerfs.transforms.catalog.WriteJsonLines;
import org.layerfs.transforms.catalog.FileEntryJson;
import org.layerfs.transforms.image.ImageOutcome;
import org.layerfs.transforms.tar.FileEntry;
import org.layerfs.transforms.tar.TarNames;

/**
 * {@code layerfs diff REF_A REF_B}: the paths added, removed and changed from A's merged view to
 * B's, computed from the index (cached layers are not decompressed again). Exit status 0 when the
 * comparison ran, whether or not the images differ; 1 when an image could not be merged.
 */
@AutoValue
public abstract class DiffJob {
  private static final ObjectMapper MAPPER = StrictJson.mapper();

  public abstract ImageReference first();

  public abstract ImageReference second();

  public abstract Path cacheDir();

  /** The platform selected of REF_A's index. */
  public abstract Optional<Platform> platform();

  /** The platform selected of REF_B's index. */
  public abstract Optional<Platform> secondPlatform();

  public abstract boolean json();

  /** How registries are reached: TLS, credentials (the command line's registry options). */
  public abstract RegistryConfig registry();

  public abstract PipelineOptions pipelineOptions();

  public static Builder builder() {
    return new AutoValue_DiffJob.Builder()
        .setRegistry(RegistryConfig.defaults())
        .setPlatform(Optional.empty())
        .setSecondPlatform(Optional.empty())
        .setJson(false);
  }

  /** Configures a diff; both references, the cache and the pipeline options are required. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setFirst(ImageReference first);

    public abstract Builder setSecond(ImageReference second);

    public abstract Builder setCacheDir(Path cacheDir);

    public abstract Builder setPlatform(Optional<Platform> platform);

    public abstract Builder setSecondPlatform(Optional<Platform> platform);

    public abstract Builder setJson(boolean json);

    public abstract Builder setRegistry(RegistryConfig registry);

    public abstract Builder setPipelineOptions(PipelineOptions options);

    public abstract DiffJob build();
  }

  /** Runs the diff and prints it; returns the exit status. */
  public int run(PrintStream out, PrintStream err, Progress progress) throws IOException, UsageException {
    ResolvedImage a = SingleImage.resolve(first(), platform(), registry());
    ResolvedImage b = SingleImage.resolve(second(), secondPlatform(), registry());
    Files.createDirectories(cacheDir());
    Path work = Scratch.create(pipelineOptions(), "layerfs-diff-");
    try {
      String merged = work.resolve("merged").toString();
      Path outcomes = work.resolve("outcomes.jsonl");
      Pipeline p = Pipeline.create(pipelineOptions());
      p.apply("IndexAndMerge", MergeImages.of(List.of(a, b), registry(), cacheDir().toString()).writingTo(merged))
          .apply("OutcomeRecords", MapElements.into(TypeDescriptors.strings()).via((ImageOutcome o) -> o.toReportJson().toString()))
          .apply("WriteOutcomes", WriteJsonLines.to(outcomes.toString()));
      JobRunner.run(p, progress);
      List<String> errors = new ArrayList<>();
      for (String line : Files.readAllLines(outcomes)) {
        JsonNode o = MAPPER.readTree(line);
        if (o.has("error")) {
          errors.add(o.get("error").asText());
        }
      }
      if (!errors.isEmpty()) {
        errors.forEach(e -> err.println("layerfs: " + e));
        return 1;
      }
      ViewDiff diff = ViewDiff.of(MergeImages.readView(merged, a.manifestDigest()), MergeImages.readView(merged, b.manifestDigest()));
      if (json()) {
        out.println(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(toJson(a, b, diff)));
      } else {
        print(diff, out);
      }
      return 0;
    } finally {
      MoreFiles.deleteRecursively(work, RecursiveDeleteOption.ALLOW_INSECURE);
    }
  }

  /** One line per path ({@code A}dded, {@code D}eleted, {@code M}odified with the fields), then the summary. */
  static void print(ViewDiff diff, PrintStream out) {
    TreeMap<String, String> lines = new TreeMap<>();
    // Keyed by the name (its bytes), shown readable: --json has the exact bytes of a name that is not UTF-8.
    diff.added().forEach(e -> lines.put(e.path(), "A " + TarNames.display(e.path()) + " (" + e.type().label() + ")"));
    diff.removed().forEach(e -> lines.put(e.path(), "D " + TarNames.display(e.path()) + " (" + e.type().label() + ")"));
    diff.changed().forEach(c -> lines.put(c.after().path(),
        "M " + TarNames.display(c.after().path()) + " (" + String.join(", ", c.fields()) + ")"));
    lines.values().forEach(out::println);
    out.println(summary(diff));
  }

  static String summary(ViewDiff diff) {
    return String.format("%d added (%d bytes), %d removed (%d bytes), %d changed (%d bytes)",
        diff.added().size(), diff.addedBytes(), diff.removed().size(), diff.removedBytes(),
        diff.changed().size(), diff.changedBytes());
  }

  static ObjectNode toJson(ResolvedImage a, ResolvedImage b, ViewDiff diff) throws IOException {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("a", a.name());
    n.put("aDigest", a.manifestDigest().toString());
    n.put("b", b.name());
    n.put("bDigest", b.manifestDigest().toString());
    ArrayNode added = n.putArray("added");
    for (FileEntry e : diff.added()) {
      added.add(entry(e));
    }
    ArrayNode removed = n.putArray("removed");
    for (FileEntry e : diff.removed()) {
      removed.add(entry(e));
    }
    ArrayNode changed = n.putArray("changed");
    for (ViewDiff.Change c : diff.changed()) {
      ObjectNode x = changed.addObject();
      FileEntryJson.putName(x, "path", c.after().path());
      c.fields().forEach(x.putArray("fields")::add);
      x.set("a", entry(c.before()));
      x.set("b", entry(c.after()));
    }
    ObjectNode s = n.putObject("summary");
    s.put("added", diff.added().size());
    s.put("addedBytes", diff.addedBytes());
    s.put("removed", diff.removed().size());
    s.put("removedBytes", diff.removedBytes());
    s.put("changed", diff.changed().size());
    s.put("changedBytes", diff.changedBytes());
    return n;
  }

  /** An entry as the catalogs write it (the fields of merged/). */
  private static JsonNode entry(FileEntry e) throws IOException {
    StringWriter w = new StringWriter();
    FileEntryJson.write(e, w);
    return MAPPER.readTree(w.toString());
  }
}
