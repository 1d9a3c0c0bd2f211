package io.strata.store.hosts;

import io.strata.store.error.StrataException;

/**
 * The other host does not know the plan a push refers to: never offered, or released because
 * another push of the same image finished first. Its message names that host.
 */
public final class PlanNotOfferedException extends StrataException {
  private static final long serialVersionUID = 1L;

  public PlanNotOfferedException(String message, Throwable cause) {
    super(message, cause);
  }
}
