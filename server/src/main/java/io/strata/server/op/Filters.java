package io.strata.server.op;

import io.strata.protocol.Opcode;
import io.strata.protocol.filter.PruneFilter;
import io.strata.store.error.InvalidArgumentException;
import java.time.Instant;
import java.util.List;

/** A prune request's filter fields read into a {@link PruneFilter}. */
final class Filters {
  private Filters() {}

  /**
   * The filter of {@code until}, {@code labels} and {@code notLabels}, a duration counted back from
   * this server's now; a bad one an INVALID_ARGUMENT naming the request and the filter (the client
   * checks them first, so only another client sees it).
   */
  static PruneFilter read(String until, List<String> labels, List<String> notLabels, Opcode op) {
    try {
      return PruneFilter.of(until, labels, notLabels, Instant.now());
    } catch (IllegalArgumentException e) {
      throw new InvalidArgumentException(op.label() + ": " + e.getMessage());
    }
  }
}
