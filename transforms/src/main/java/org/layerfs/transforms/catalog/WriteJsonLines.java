package org.layerfs.transforms.catalog;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.layerfs.io.files.DurableFiles;

/**
 * Writes a small collection of JSON lines (a record per layer or per image) to one file,
 * sorted so that every runner writes the same bytes, under a temporary name renamed into place.
 * For catalogs of records, not of files: the lines meet on one worker.
 */
public final class WriteJsonLines extends PTransform<PCollection<String>, PDone> {
  private static final long serialVersionUID = 1L;
  private final String file;

  private WriteJsonLines(String file) {
    this.file = file;
  }

  public static WriteJsonLines to(String file) {
    return new WriteJsonLines(file);
  }

  @Override
  public PDone expand(PCollection<String> lines) {
    lines
        .apply("OneKey", WithKeys.<String, String>of("").withKeyType(TypeDescriptors.strings()))
        .apply("Together", GroupByKey.create())
        .apply("WriteFile", ParDo.of(new WriteFn(file)));
    return PDone.in(lines.getPipeline());
  }

  private static final class WriteFn extends DoFn<KV<String, Iterable<String>>, Void> {
    private static final long serialVersionUID = 1L;
    private final String file;

    WriteFn(String file) {
      this.file = file;
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<String>> lines) throws IOException {
      List<String> sorted = new ArrayList<>();
      lines.getValue().forEach(sorted::add);
      Collections.sort(sorted);
      write(Path.of(file), sorted);
    }
  }

  /** Writes {@code lines} to {@code target} whole and durably. */
  public static void write(Path target, List<String> lines) throws IOException {
    DurableFiles.write(target, out -> {
      Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
      for (String line : lines) {
        w.write(line);
        w.write('\n');
      }
      w.flush();
    });
  }
}
