package org.layerfs.transforms.unpack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.StrictJson;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.ImageSources;
import org.layerfs.transforms.image.ImageOutcome;

/**
 * Writes a merged image into its tree: plan (once per image) and create the directories; write
 * each layer's entries, one element per layer with its part of the plan, spread over the workers;
 * then, once every layer is done, the hardlinks and the directories' metadata. The outcome goes to the target's
 * {@code result.json}: totals and notices, or the errors.
 */
public final class WriteTree extends PTransform<PCollection<ImageOutcome>, PDone> {
  private static final long serialVersionUID = 1L;
  private static final TupleTag<LayerTask> LAYERS = new TupleTag<>() {};
  private static final TupleTag<UnpackResult> RESULTS = new TupleTag<>() {};

  private final UnpackTarget target;

  public WriteTree(UnpackTarget target) {
    this.target = target;
  }

  @Override
  public PDone expand(PCollection<ImageOutcome> merged) {
    PCollectionTuple planned =
        merged.apply("PlanAndMakeDirectories", ParDo.of(new PlanFn(target)).withOutputTags(LAYERS, TupleTagList.of(RESULTS)));
    PCollection<UnpackResult> layers =
        planned.get(LAYERS)
            .setCoder(SerializableCoder.of(LayerTask.class))
            // One element holds every layer: break fusion so each core writes a layer.
            .apply("SpreadOverWorkers", Reshuffle.viaRandomKey())
            .apply("WriteLayers", ParDo.of(new WriteLayerFn(target)));
    PCollectionList.of(planned.get(RESULTS).setCoder(SerializableCoder.of(UnpackResult.class)))
        .and(layers)
        .apply("AllSteps", Flatten.pCollections())
        .apply("OneKey", WithKeys.<String, UnpackResult>of("").withKeyType(TypeDescriptors.strings()))
        .apply("AfterEveryLayer", GroupByKey.create())
        .apply("HardlinksAndDirectories", ParDo.of(new FinishFn(target)));
    return PDone.in(merged.getPipeline());
  }

  /** Plans the unpack, creates the directories and emits every layer, each with the entries it writes. */
  private static final class PlanFn extends DoFn<ImageOutcome, LayerTask> {
    private static final long serialVersionUID = 1L;
    private final UnpackTarget target;

    PlanFn(UnpackTarget target) {
      this.target = target;
    }

    @ProcessElement
    public void process(@Element ImageOutcome image, MultiOutputReceiver out) {
      if (image.isFailed()) {
        out.get(RESULTS).output(UnpackResult.failed(image.error().get()));
        return;
      }
      try (OwnersFile owners = target.ownersFile("directories")) {
        UnpackPlan plan = target.plan();
        plan.createDirectories(target.tree(owners));
        out.get(RESULTS).output(UnpackResult.planned(plan));
        Map<String, Descriptor> distinct = new LinkedHashMap<>();
        target.image().manifest().layers().forEach(d -> distinct.put(d.digest().toString(), d));
        // Every layer, also one no entry comes from: reading it is what refuses its hostile entries.
        distinct.forEach((digest, d) -> out.get(LAYERS).output(new LayerTask(d, plan.entriesOf(digest))));
      } catch (IOException | UncheckedIOException e) {
        out.get(RESULTS).output(UnpackResult.failed(e.getMessage()));
      }
    }
  }

  /** Reads one layer and writes the entries it wins. */
  private static final class WriteLayerFn extends DoFn<LayerTask, UnpackResult> {
    private static final long serialVersionUID = 1L;
    private final UnpackTarget target;
    private transient LayerWriter writer;

    WriteLayerFn(UnpackTarget target) {
      this.target = target;
    }

    @Setup
    public void setup() {
      writer = new LayerWriter(target.limits());
    }

    @ProcessElement
    public void process(@Element LayerTask task, OutputReceiver<UnpackResult> out) {
      Descriptor layer = task.layer();
      try (OwnersFile owners = target.ownersFile("layer-" + layer.digest().hex());
          ImageSource source = ImageSources.open(target.image().store(), target.registry());
          InputStream raw = source.openBlob(layer)) {
        SafeTree tree = target.tree(owners);
        LayerWriter.Written w = writer.write(target.image().name(), raw, layer, task.entries(), tree);
        out.output(UnpackResult.layer(w.written(), w.bytes(), tree.notices()));
      } catch (IOException | UncheckedIOException e) {
        out.output(UnpackResult.failed(e.getMessage()));
      }
    }
  }

  /** Once every layer is written: hardlinks, directory metadata, and the result file. */
  private static final class FinishFn extends DoFn<KV<String, Iterable<UnpackResult>>, Void> {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper MAPPER = StrictJson.mapper();
    private final UnpackTarget target;

    FinishFn(UnpackTarget target) {
      this.target = target;
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<UnpackResult>> steps) throws IOException {
      ObjectNode result = MAPPER.createObjectNode();
      List<String> errors = new ArrayList<>();
      List<String> notices = new ArrayList<>();
      UnpackPlan plan = null;
      long written = 0;
      long bytes = 0;
      long directories = 0;
      for (UnpackResult r : steps.getValue()) {
        r.error().ifPresent(errors::add);
        notices.addAll(r.notices());
        if (r.planned()) {
          plan = r.finishing().orElseThrow();
          directories = r.written();
        } else {
          written += r.written();
          bytes += r.bytes();
        }
      }
      if (errors.isEmpty() && plan != null) {
        try (OwnersFile owners = target.ownersFile("finish")) {
          SafeTree tree = target.tree(owners);
          plan.finish(tree);
          notices.addAll(tree.notices());
          result.put("hardlinks", plan.hardlinks().size());
        } catch (IOException | UncheckedIOException e) {
          errors.add(e.getMessage());
        }
      }
      errors.sort(null);
      notices.sort(null);
      errors.forEach(result.withArray("errors")::add);
      notices.forEach(result.withArray("notices")::add);
      result.put("directories", directories);
      result.put("written", written);
      result.put("bytes", bytes);
      Files.write(target.resultFile(), MAPPER.writeValueAsBytes(result));
    }
  }
}
