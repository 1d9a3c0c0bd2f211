package io.strata.store.image.build;

import java.util.Map;

/**
 * How to run a build, as {@code docker build} options.
 *
 * @param buildArgs {@code --build-arg NAME=VALUE}s
 * @param target {@code --target}: the stage to build (null: the last one)
 * @param noCache {@code --no-cache}: build every step, reusing no cached layer (the new results
 *     still go into the cache)
 * @param images image ids to read for references the build names ({@code FROM} and {@code COPY
 *     --from} as {@link NamedImages} gives them), instead of what the store's tags say when the
 *     build runs: the images the caller pulled, and pinned, for this build
 */
public record BuildOptions(
    Map<String, String> buildArgs, String target, boolean noCache, Map<String, String> images) {
  public static final BuildOptions DEFAULT = new BuildOptions(Map.of(), null, false);

  public BuildOptions {
    buildArgs = buildArgs == null ? Map.of() : Map.copyOf(buildArgs);
    images = images == null ? Map.of() : Map.copyOf(images);
  }

  /** Options that read every image through the store's tags. */
  public BuildOptions(Map<String, String> buildArgs, String target, boolean noCache) {
    this(buildArgs, target, noCache, Map.of());
  }

  /** These options, reading image {@code images.get(ref)} where the build names {@code ref}. */
  public BuildOptions withImages(Map<String, String> images) {
    return new BuildOptions(buildArgs, target, noCache, images);
  }
}
