package org.layerfs.pipeline.cli;

/** Bad usage or configuration: the command exits with status 2 and this message. */
public class UsageException extends Exception {
  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }
}
