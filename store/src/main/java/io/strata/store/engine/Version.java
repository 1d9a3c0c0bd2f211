package io.strata.store.engine;

/** The version of this build, as {@code strata info} reports it. */
public final class Version {
  private Version() {}

  public static final String VERSION = "0.1.0";
}
