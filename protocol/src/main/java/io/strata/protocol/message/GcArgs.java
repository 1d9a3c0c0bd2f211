package io.strata.protocol.message;

import java.util.List;

/**
 * Arguments of {@code gc}; an empty body is a plain gc.
 *
 * @param forgetNodes fleet members (node ids, as {@code strata info} and gc's errors name them) to
 *     remove from a shared store's fleet before the gc, so that their silence no longer holds the
 *     deletion back and what only they referenced can go; left out: none
 */
public record GcArgs(List<String> forgetNodes) {
  /** Left out is none. */
  public GcArgs {
    forgetNodes = forgetNodes == null ? List.of() : List.copyOf(forgetNodes);
  }
}
