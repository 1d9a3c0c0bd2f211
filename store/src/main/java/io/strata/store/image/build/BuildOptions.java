package io.strata.store.image.build;

import java.util.Map;

/**
 * How to run a build, as {@code docker build} options.
 *
 * @param buildArgs {@code --build-arg NAME=VALUE}s
 * @param target {@code --target}: the stage to build (null: the last one)
 * @param noCache {@code --no-cache}: build every step, reusing no cached layer (the new results
 *     still go into the cache)
 */
public record BuildOptions(Map<String, String> buildArgs, String target, boolean noCache) {
  public static final BuildOptions DEFAULT = new BuildOptions(Map.of(), null, false);

  public BuildOptions {
    buildArgs = buildArgs == null ? Map.of() : Map.copyOf(buildArgs);
  }
}
