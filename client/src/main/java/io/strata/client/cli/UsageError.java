package io.strata.client.cli;

/**
 * A malformed argument found while a command runs (an unknown {@code --filter} key): reported as
 * picocli's usage errors are, {@code strata: MESSAGE} and {@code Try 'COMMAND --help'.}, exit 2,
 * without picocli, so that the CLI's quick path ({@link QuickCommand}) reports it the same way.
 */
final class UsageError extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  UsageError(String message) {
    super(message);
  }
}
