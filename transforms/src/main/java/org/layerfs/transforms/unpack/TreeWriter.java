package org.layerfs.transforms.unpack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.layerfs.io.concurrent.Results;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.ImageSources;
import org.layerfs.transforms.tar.TarNames;

/**
 * Writes an image's tree once its layers are indexed: plan (once), create the directories, write
 * every layer (several at once, each from one pass over its blob, see {@link LayerWriter}), then,
 * once every layer is done, the hardlinks and the directories' metadata.
 *
 * <p>This runs beside the pipeline, not in it: it is one machine's work on one directory, and in
 * Beam's direct runner a step that runs for minutes keeps the runner's monitor spinning on the
 * other threads for as long (apache/beam#18070): 20 of 54 CPU seconds of an unpack of 60 000
 * files (README, Benchmark).
 */
public final class TreeWriter {
  private final UnpackTarget target;

  public TreeWriter(UnpackTarget target) {
    this.target = target;
  }

  /** What the unpack wrote, or why it failed; errors and notices sorted, each printable. */
  public record Written(List<String> errors, List<String> notices, long directories, long written, long bytes, long hardlinks) {
    /** An unpack that failed with {@code errors}, having skipped {@code notices}. */
    public static Written failed(List<String> errors, List<String> notices) {
      return new Written(sorted(errors.stream().map(TarNames::display).toList()), sorted(notices), 0, 0, 0, 0);
    }
  }

  /** Writes the tree; failures of the layers or the plan are in the result, each layer's named. */
  public Written write() throws IOException {
    List<String> errors = new ArrayList<>();
    List<String> notices = new ArrayList<>();
    UnpackPlan plan;
    try (OwnersFile owners = target.ownersFile("directories")) {
      plan = target.plan();
      plan.createDirectories(target.tree(owners));
    } catch (IOException | UncheckedIOException e) {
      return Written.failed(List.of(e.getMessage()), List.of());
    }
    long written = 0;
    long bytes = 0;
    for (Future<LayerResult> f : writeLayers(plan)) {
      LayerResult r = Results.get(f, "writing the layers");
      if (r.error != null) {
        errors.add(r.error);
      } else {
        written += r.written.written();
        bytes += r.written.bytes();
        notices.addAll(r.notices);
      }
    }
    if (!errors.isEmpty()) {
      return Written.failed(errors, notices);
    }
    try (OwnersFile owners = target.ownersFile("finish")) {
      SafeTree tree = target.tree(owners);
      plan.finish(tree);
      notices.addAll(tree.notices());
    } catch (IOException | UncheckedIOException e) {
      return Written.failed(List.of(e.getMessage()), notices);
    }
    return new Written(List.of(), sorted(notices), plan.directories().size(), written, bytes, plan.hardlinks().size());
  }

  /**
   * Every layer, also one no entry comes from (reading it is what refuses its hostile entries), on
   * one thread per core: each reads its blob and hands its files to writer threads of its own.
   */
  private List<Future<LayerResult>> writeLayers(UnpackPlan plan) {
    Map<String, Descriptor> distinct = new LinkedHashMap<>();
    target.image().manifest().layers().forEach(d -> distinct.put(d.digest().toString(), d));
    ExecutorService readers =
        Executors.newFixedThreadPool(
            Math.min(distinct.size(), Runtime.getRuntime().availableProcessors()),
            r -> {
              Thread t = new Thread(r, "unpack-reader");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<LayerResult>> results = new ArrayList<>();
      distinct.forEach((digest, d) -> results.add(readers.submit(() -> writeLayer(d, plan))));
      return results;
    } finally {
      readers.shutdown(); // the submitted layers still run; the threads end after them
    }
  }

  private LayerResult writeLayer(Descriptor layer, UnpackPlan plan) throws IOException {
    try (OwnersFile owners = target.ownersFile("layer-" + layer.digest().hex());
        ImageSource source = ImageSources.open(target.image().store(), target.registry());
        InputStream raw = source.openBlob(layer)) {
      SafeTree tree = target.tree(owners);
      LayerWriter.Written w =
          new LayerWriter(target.limits()).write(target.image().name(), raw, layer, plan.entriesOf(layer.digest().toString()), tree);
      return new LayerResult(w, tree.notices(), null);
    } catch (IOException | UncheckedIOException e) {
      return new LayerResult(null, List.of(), e.getMessage());
    }
  }

  private record LayerResult(LayerWriter.Written written, List<String> notices, String error) {}

  private static List<String> sorted(List<String> lines) {
    List<String> s = new ArrayList<>(lines);
    s.sort(null);
    return List.copyOf(s);
  }
}
