package org.layerfs.io.registry;

import org.layerfs.io.model.Descriptor;

/** A manifest or index as a registry served it: its descriptor (verified digest) and its bytes. */
public record RemoteManifest(Descriptor descriptor, byte[] bytes) {}
