package io.strata.fuse;

/**
 * A refusal decided in this package before or instead of a view call (a directory that is not
 * empty, a missing xattr under XATTR_REPLACE), carrying its error number to the kernel.
 */
final class Refusal extends RuntimeException {
  private final int errno;

  Refusal(int errno) {
    super(null, null, false, false);
    this.errno = errno;
  }

  int errno() {
    return errno;
  }
}
