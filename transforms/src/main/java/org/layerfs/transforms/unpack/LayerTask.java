package org.layerfs.transforms.unpack;

import com.google.common.collect.ImmutableMap;
import java.io.Serializable;
import org.layerfs.io.model.Descriptor;
import org.layerfs.transforms.tar.FileEntry;

/** One layer to write and the entries of it the plan made once for the whole image (see {@link UnpackPlan#entriesOf}). */
record LayerTask(Descriptor layer, ImmutableMap<UnpackPlan.TarEntry, FileEntry> entries) implements Serializable {
  private static final long serialVersionUID = 1L;
}
