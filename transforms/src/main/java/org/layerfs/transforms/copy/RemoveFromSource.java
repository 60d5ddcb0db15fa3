package org.layerfs.transforms.copy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.layerfs.io.dest.ImageDestination;
import org.layerfs.io.dest.ImageDestinations;
import org.layerfs.io.dest.TagRemoval;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.transforms.copy.CopyOutcome.Status;

/**
 * The last step of a move: for each image committed and verified at its destination, removes
 * its tag from the source, and never a tag that was not moved (an image whose tag must stay for
 * that stays copied, with the reason); then the source removes what no tag reaches any more.
 * Images that were not committed are passed on as they are and keep everything at the source.
 * One worker handles each source store, after every image of it has been committed.
 */
public final class RemoveFromSource extends PTransform<PCollection<CopyOutcome>, PCollection<CopyOutcome>> {
  private static final long serialVersionUID = 1L;

  private RemoveFromSource() {}

  public static RemoveFromSource create() {
    return new RemoveFromSource();
  }

  @Override
  public PCollection<CopyOutcome> expand(PCollection<CopyOutcome> outcomes) {
    return outcomes
        .apply("KeyBySource", WithKeys.of((CopyOutcome o) -> o.plan().map(p -> p.source().toString()).orElse(""))
            .withKeyType(TypeDescriptors.strings()))
        .apply("GroupBySource", GroupByKey.create())
        .apply("Remove", ParDo.of(new RemoveFn()));
  }

  private static final class RemoveFn extends DoFn<KV<String, Iterable<CopyOutcome>>, CopyOutcome> {
    private static final long serialVersionUID = 1L;

    @ProcessElement
    public void process(@Element KV<String, Iterable<CopyOutcome>> group, OutputReceiver<CopyOutcome> out) {
      List<CopyOutcome> committed = new ArrayList<>();
      for (CopyOutcome o : group.getValue()) {
        if (o.status() == Status.COPIED && o.plan().isPresent()) {
          committed.add(o);
        } else {
          out.output(o);
        }
      }
      if (committed.isEmpty()) {
        return;
      }
      CopyPlan first = committed.get(0).plan().get();
      ImageReference source = first.source();
      List<CopyOutcome> results = new ArrayList<>();
      Set<String> tags = new LinkedHashSet<>();
      committed.forEach(o -> tags.add(o.plan().get().sourceTag()));
      tags.remove("");
      // Moved referrers by subject: its fallback index loses them alone (a --referrers-type may leave others).
      Map<Descriptor, List<Descriptor>> referrers = new LinkedHashMap<>();
      committed.forEach(o -> o.plan().get().referrerOf()
          .ifPresent(s -> referrers.computeIfAbsent(s, k -> new ArrayList<>()).add(o.plan().get().root())));
      try (ImageDestination store = ImageDestinations.open(source, first.sourceRegistry())) {
        TagRemoval removal = store.removeTags(tags);
        for (Map.Entry<Descriptor, List<Descriptor>> e : referrers.entrySet()) {
          store.removeReferrers(e.getKey(), e.getValue());
        }
        for (CopyOutcome o : committed) {
          String why = removal.kept().get(o.plan().get().sourceTag());
          // A tag the store had to keep (its manifest is another tag's too) stays: copied, not moved.
          results.add(why == null ? o.with(Status.MOVED, Optional.empty()) : o.with(Status.COPIED, Optional.of(why)));
        }
        store.collectGarbage();
      } catch (IOException e) {
        results.clear();
        for (CopyOutcome o : committed) {
          results.add(o.with(Status.FAILED, Optional.of("copied, but removing it from " + source + " failed: " + e.getMessage())));
        }
      }
      results.forEach(out::output);
    }
  }
}
