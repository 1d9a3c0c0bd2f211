package io.strata.protocol.message;

import java.util.List;

/**
 * Arguments of {@code image.prune}: the images no container uses, dangling ones only unless {@code
 * all}, narrowed by docker's prune filters. The server chooses and removes under one lock, so an
 * image the filters leave out is never removed.
 *
 * @param all every unused image, not only untagged ones; left out: false
 * @param until only images created before this time: a Go duration back from the server's now, an
 *     RFC 3339 time or Unix seconds; left out: any
 * @param labels {@code KEY} or {@code KEY=VALUE}: only images whose config has every one
 * @param notLabels {@code KEY} or {@code KEY=VALUE}: only images whose config has none
 */
public record ImagePruneArgs(
    Boolean all, String until, List<String> labels, List<String> notLabels) {
  public ImagePruneArgs {
    all = Boolean.TRUE.equals(all);
    labels = labels == null ? List.of() : List.copyOf(labels);
    notLabels = notLabels == null ? List.of() : List.copyOf(notLabels);
  }
}
