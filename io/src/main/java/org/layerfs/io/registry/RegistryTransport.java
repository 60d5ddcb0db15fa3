package org.layerfs.io.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;

/**
 * Sends a request to a registry and returns the answer with its body open (the caller closes
 * it). The client is a stack of these, each doing one thing: {@link RedirectTransport} over
 * {@link AuthTransport} over {@link SchemeTransport} over {@link HttpTransport}; an operation
 * never knows which it passes through. A failure to get any answer is a {@link
 * RegistryException}; an answer, whatever its status, is returned.
 */
interface RegistryTransport {
  HttpResponse<InputStream> send(RegistryRequest request) throws IOException;

  /** Closes an answer that will not be read. */
  static void discard(HttpResponse<InputStream> response) throws IOException {
    response.body().close();
  }
}
