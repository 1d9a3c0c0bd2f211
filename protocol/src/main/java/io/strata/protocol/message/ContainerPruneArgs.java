package io.strata.protocol.message;

import java.util.List;

/**
 * Arguments of {@code container.prune}: every container but mounted ones, narrowed by docker's
 * prune filters, chosen and removed by the server (each under its container's lock).
 *
 * @param until only containers created before this time (as in {@link ImagePruneArgs}); left out:
 *     any
 * @param labels {@code KEY} or {@code KEY=VALUE}: only containers with every one ({@code create
 *     --label})
 * @param notLabels {@code KEY} or {@code KEY=VALUE}: only containers with none
 */
public record ContainerPruneArgs(String until, List<String> labels, List<String> notLabels) {
  public ContainerPruneArgs {
    labels = labels == null ? List.of() : List.copyOf(labels);
    notLabels = notLabels == null ? List.of() : List.copyOf(notLabels);
  }
}
