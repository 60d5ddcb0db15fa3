package org.layerfs.pipeline.copy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.auto.value.AutoValue;
import com.google.common.collect.ImmutableList;
import com.google.common.io.Closer;
import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.layerfs.io.dest.ImageDestinations;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.pipeline.metrics.RunFigures;
import org.layerfs.pipeline.run.JobMetrics;
import org.layerfs.pipeline.run.JobRunner;
import org.layerfs.pipeline.run.Progress;
import org.layerfs.pipeline.run.Scratch;
import org.layerfs.transforms.catalog.WriteJsonLines;
import org.layerfs.transforms.copy.BlobOutcome;
import org.layerfs.transforms.copy.CommitImages;
import org.layerfs.transforms.copy.CopyBlobs;
import org.layerfs.transforms.copy.CopyOutcome;
import org.layerfs.transforms.copy.CopyPlan;
import org.layerfs.transforms.copy.CopyPlans;
import org.layerfs.transforms.copy.CopyRequest;
import org.layerfs.transforms.copy.InStepRepositories;
import org.layerfs.transforms.copy.OpenStores;
import org.layerfs.transforms.copy.RateLimitPolicy;
import org.layerfs.transforms.copy.RemoveFromSource;

/**
 * {@code layerfs copy}, {@code sync} and {@code move}: plans every requested image, copies the
 * blobs each destination lacks (once per destination however many images share them), commits
 * the manifests and tags, and for a move removes from the source what the destination committed
 * and verified. Destinations (and a move's sources) are locked for the whole run.
 */
@AutoValue
public abstract class CopyJob {
  /** The three jobs differ only in what they skip and what they do last. */
  public enum Mode {
    /** Every image copied; blobs the destination has are not copied again. */
    COPY,
    /** Images whose destination tag already names the same manifest are skipped. */
    SYNC,
    /** Copy, verify at the destination, then remove from the source. */
    MOVE;

    String command() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public abstract Mode mode();

  public abstract ImmutableList<CopyRequest> requests();

  public abstract boolean prune();

  public abstract boolean dryRun();

  public abstract Optional<Path> report();

  /** Made only when there is something to copy (see {@code BeamOptions.whenNeeded}). */
  public abstract Supplier<PipelineOptions> pipelineOptions();

  /**
   * True when no Beam option was given: the direct runner as layerfs sets it up, which a copy or
   * sync does without ({@link CopyBesidePipeline}).
   */
  public abstract boolean defaultRunner();

  /** What to do when a source registry's pull budget would run out before the manifests to fetch. */
  public abstract RateLimitPolicy rateLimit();

  public static Builder builder() {
    return new AutoValue_CopyJob.Builder().setPrune(false).setDryRun(false).setReport(Optional.empty())
        .setRateLimit(RateLimitPolicy.of(RateLimitPolicy.Action.STOP)).setDefaultRunner(false);
  }

  /** Configures a job; mode, requests and pipeline options are required. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setMode(Mode mode);

    public abstract Builder setRequests(List<CopyRequest> requests);

    public abstract Builder setPrune(boolean prune);

    public abstract Builder setDryRun(boolean dryRun);

    public abstract Builder setReport(Optional<Path> report);

    public abstract Builder setPipelineOptions(Supplier<PipelineOptions> options);

    public abstract Builder setRateLimit(RateLimitPolicy policy);

    public abstract Builder setDefaultRunner(boolean defaultRunner);

    public abstract CopyJob build();
  }

  /**
   * Builds the pipeline: plans ─ CopyBlobs ─ CommitImages ─► destination; the outcome of each
   * image it commits to {@code outcomes}.
   */
  Pipeline pipeline(CopyPlans planned, String outcomes) {
    PipelineOptions options = pipelineOptions().get();
    Pipeline p = Pipeline.create(options);
    PCollection<CopyPlan> plans = p.apply("Plans", Create.of(planned.toCopy()).withCoder(SerializableCoder.of(CopyPlan.class)));

    CopyBlobs copyBlobs = (options.getRunner() == DirectRunner.class
        ? CopyBlobs.onThreads(options.as(DirectOptions.class).getTargetParallelism())
        : CopyBlobs.of(planned.toCopy())).askingFirst(InStepRepositories.of(planned.settled()));
    PCollectionView<Map<String, BlobOutcome>> blobs = plans.apply("CopyBlobs", copyBlobs).apply("BlobOutcomes", View.asMap());
    CommitImages commit = CommitImages.of(blobs);
    PCollection<CopyOutcome> committed =
        plans.apply("CommitImages", mode() == Mode.MOVE ? commit.verifyingAfterCommit() : commit);
    if (mode() == Mode.MOVE) {
      committed = committed.apply("RemoveFromSource", RemoveFromSource.create());
    }

    // The settled outcomes join them after the run: in the pipeline they were two more steps.
    committed
        .apply("OutcomeRecords", MapElements.into(TypeDescriptors.strings()).via((CopyOutcome o) -> o.toReportJson().toString()))
        .apply("WriteOutcomes", WriteJsonLines.to(outcomes));
    return p;
  }

  /** Runs the job; returns the exit status (0 all done, 1 some images failed). Its figures go to {@code figures}. */
  public int run(PrintStream out, PrintStream err, Progress progress, RunFigures figures) throws IOException {
    if (dryRun()) {
      return DryRun.print(mode().command(), requests(), prune(), out, err);
    }
    try (Closer locks = Closer.create()) {
      for (ImageReference store : storesToLock()) {
        locks.register(ImageDestinations.lock(store));
      }
      long start = System.nanoTime();
      try (OpenStores stores = new OpenStores()) {
        // Beam's options are made ahead only for a job that will build a pipeline: beside it they would cost a CPU second for nothing.
        Runnable changesFound = CopyBesidePipeline.applies(mode(), defaultRunner()) ? () -> {} : this::makeOptionsAhead;
        CopyPlans planned = CopyPlans.plan(requests(), stores, rateLimit(), err::println, changesFound);
        Copied copied = copy(planned, stores, progress);
        // Pruning reads the stores planning opened, and the tag lists planning fetched.
        Pruning.Outcome pruning = prune() ? Pruning.run(requests(), planned, stores, false, err) : Pruning.Outcome.none();
        CopyReport report =
            new CopyReport(mode().command(), copied.images(), pruning, copied.counters(), (System.nanoTime() - start) / 1e9);
        report.printSummary(out, err);
        report.fill(figures);
        if (report().isPresent()) {
          report.write(report().get());
        }
        return report.anyFailed() || pruning.failed() ? 1 : 0;
      }
    }
  }

  /**
   * Makes Beam's options on a thread of their own while planning fetches the manifests of what
   * changed: about a second of CPU on the launcher's thread (validating every registered options
   * interface) that planning, waiting on round trips, leaves a core for (README, Mirroring over
   * a wide-area link). They are made once; a failure here is thrown again when the pipeline asks.
   */
  private void makeOptionsAhead() {
    Thread making = new Thread(() -> {
      try {
        pipelineOptions().get();
      } catch (RuntimeException e) {
        // Reported where the pipeline asks for them.
      }
    }, "layerfs-beam-options");
    making.setDaemon(true);
    making.start();
  }

  /** Every image's outcome record, and the counters of the pipeline that copied them. */
  record Copied(List<JsonNode> images, ToLongFunction<String> counters) {}

  /** Runs the pipeline over the plans; when there is nothing to copy (a sync in step), none; on the default direct runner, beside it. */
  private Copied copy(CopyPlans planned, OpenStores stores, Progress progress) throws IOException {
    if (planned.toCopy().isEmpty()) {
      return new Copied(planned.settled().stream().map(o -> (JsonNode) o.toReportJson()).toList(), name -> 0);
    }
    if (CopyBesidePipeline.applies(mode(), defaultRunner())) {
      return CopyBesidePipeline.run(planned, stores, progress);
    }
    Path scratch = Scratch.create(pipelineOptions().get(), "layerfs-" + mode().command() + "-");
    try {
      Path outcomes = scratch.resolve("outcomes.jsonl");
      JobMetrics metrics = JobRunner.run(pipeline(planned, outcomes.toString()), progress);
      List<JsonNode> images = new ArrayList<>(CopyReport.readOutcomes(outcomes));
      planned.settled().forEach(o -> images.add(o.toReportJson()));
      return new Copied(images, metrics::counter);
    } finally {
      MoreFiles.deleteRecursively(scratch, RecursiveDeleteOption.ALLOW_INSECURE);
    }
  }

  /** The destinations, and for a move the sources, in a fixed order so that two jobs lock alike. */
  private TreeSet<ImageReference> storesToLock() {
    TreeSet<ImageReference> stores = new TreeSet<>((a, b) -> a.toString().compareTo(b.toString()));
    for (CopyRequest r : requests()) {
      stores.add(r.destination().store());
      if (mode() == Mode.MOVE) {
        stores.add(r.source().store());
      }
    }
    return stores;
  }
}
