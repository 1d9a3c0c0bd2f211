package io.strata.store.container;

import io.strata.store.error.InvalidArgumentException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code create -e/--env}, {@code --label} and {@code -w/--workdir} set on a container, as
 * docker keeps them in its {@code Config}: they add to, or override, the image's own. Strata runs
 * nothing, so they are kept and shown ({@code inspect}), never applied.
 *
 * @param env {@code KEY=VALUE} entries, in the order given
 * @param labels label keys and values
 * @param workingDir the absolute working directory, or null for the image's
 */
public record ContainerSettings(List<String> env, Map<String, String> labels, String workingDir) {
  /** No settings: what containers created before settings existed have. */
  public static final ContainerSettings NONE = new ContainerSettings(null, null, null);

  public ContainerSettings {
    env = env == null ? List.of() : List.copyOf(env);
    labels = labels == null ? Map.of() : new TreeMap<>(labels);
    if (workingDir != null && workingDir.isEmpty()) {
      workingDir = null;
    }
    for (String e : env) {
      int eq = e.indexOf('=');
      if (eq <= 0 || e.indexOf('\0') >= 0) {
        throw new InvalidArgumentException(
            "environment entry '" + e + "' is invalid: use KEY=VALUE with a non-empty KEY");
      }
    }
    for (String key : labels.keySet()) {
      if (key.isEmpty() || key.indexOf('\0') >= 0) {
        throw new InvalidArgumentException("label key '" + key + "' is invalid: it is empty");
      }
    }
    if (workingDir != null && (!workingDir.startsWith("/") || workingDir.indexOf('\0') >= 0)) {
      throw new InvalidArgumentException(
          "working directory '" + workingDir + "' is invalid: it must be an absolute path");
    }
  }
}
