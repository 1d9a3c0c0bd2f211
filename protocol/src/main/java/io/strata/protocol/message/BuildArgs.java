package io.strata.protocol.message;

import java.util.List;

/**
 * Arguments of {@code image.build}; the client's DATA is the build context as a tar.
 *
 * @param dockerfile the Dockerfile's text
 * @param tags the {@code name[:tag]}s to give the result
 */
public record BuildArgs(String dockerfile, List<String> tags) {
  public BuildArgs {
    tags = tags == null ? List.of() : List.copyOf(tags);
  }
}
