package io.strata.protocol.message;

import java.util.List;
import java.util.Map;

/**
 * Arguments of {@code image.build}; the client's DATA is the build context as a tar (what {@code
 * .dockerignore} excludes already left out by the client).
 *
 * @param dockerfile the Dockerfile's text
 * @param tags the {@code name[:tag]}s to give the result
 * @param buildArgs {@code --build-arg NAME=VALUE}s (absent: none)
 * @param target {@code --target}: the stage to build (absent: the last)
 * @param noCache {@code --no-cache}: reuse no cached step
 * @param pull {@code --pull}: pull every {@code REGISTRY/REPO} image the build names, also those
 *     the store has (absent: only those it lacks)
 * @param plainHttp {@code --plain-http}: talk to those registries over plain HTTP
 * @param token the registries' secret ({@code --remote-token-file}), or null
 */
public record BuildArgs(
    String dockerfile,
    List<String> tags,
    Map<String, String> buildArgs,
    String target,
    boolean noCache,
    boolean pull,
    boolean plainHttp,
    String token) {
  public BuildArgs {
    tags = tags == null ? List.of() : List.copyOf(tags);
    buildArgs = buildArgs == null ? Map.of() : Map.copyOf(buildArgs);
  }

  public BuildArgs(String dockerfile, List<String> tags) {
    this(dockerfile, tags, Map.of(), null, false, false, false, null);
  }

  /** A build that pulls only the registry images the store lacks, over HTTPS, with no secret. */
  public BuildArgs(
      String dockerfile,
      List<String> tags,
      Map<String, String> buildArgs,
      String target,
      boolean noCache) {
    this(dockerfile, tags, buildArgs, target, noCache, false, false, null);
  }
}
