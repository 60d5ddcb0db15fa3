package org.layerfs.io.registry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.layerfs.io.dest.PrunedReferrers;
import org.layerfs.io.dest.TagRemoval;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.ref.ImageReference;

/** What a prune asks a registry: each index a kept tag names is read once, however many steps need its manifests. */
@Timeout(60)
class RegistryTagRemovalTest {
  private static final byte[] CHILD =
      "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}".getBytes(UTF_8);
  private static final byte[] GONE =
      "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"annotations\":{\"a\":\"gone\"}}"
          .getBytes(UTF_8);

  @Test
  void aPruneReadsEachKeptIndexOnce() throws IOException {
    try (FaultServer server = new FaultServer()) {
      byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[{\"mediaType\":\""
          + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + Digest.sha256(CHILD) + "\",\"size\":" + CHILD.length + "}]}")
          .getBytes(UTF_8);
      Digest indexDigest = Digest.sha256(index);
      server.manifest("kept", MediaTypes.OCI_INDEX, index, indexDigest);
      server.manifest(indexDigest.toString(), MediaTypes.OCI_INDEX, index, indexDigest);
      server.manifest("gone", MediaTypes.OCI_MANIFEST, GONE, Digest.sha256(GONE));
      RegistryConfig config = RegistryConfig.builder().setTlsVerify(false).setAuthFiles(ImmutableList.of()).build();
      try (RegistryDestination dest = RegistryDestination.open(ImageReference.parse("docker://" + server.host() + "/repo"), config)) {
        TagRemoval removal = dest.removeImages(List.of("gone"), new PrunedReferrers.Scope(Set.of(), ""));

        assertEquals(List.of("gone"), removal.removed());
        assertEquals(1, server.count("GET", "/v2/repo/manifests/" + indexDigest), () -> server.requests("GET", "/").toString());
      }
    }
  }
}
