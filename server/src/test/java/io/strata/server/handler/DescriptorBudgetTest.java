package io.strata.server.handler;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The connection cap leaves half of the free descriptors to the store. */
@Timeout(10)
class DescriptorBudgetTest {
  private static final String LIMITS =
      "Limit                     Soft Limit           Hard Limit           Units     \n"
          + "Max cpu time              unlimited            unlimited            seconds   \n"
          + "Max open files            256                  4096                 files     \n"
          + "Max locked memory         8388608              8388608              bytes     \n";

  @Test
  void theSoftLimitIsReadFromProcLimits() {
    assertThat(DescriptorBudget.softLimit(LIMITS)).isEqualTo(256);
    assertThat(
            DescriptorBudget.softLimit(
                LIMITS.replace("256                  4096", "unlimited            unlimited")))
        .isEqualTo(-1);
    assertThat(DescriptorBudget.softLimit("Max cpu time  unlimited  unlimited  seconds\n"))
        .isEqualTo(-1);
  }

  @Test
  void halfOfTheFreeDescriptorsAtMostGoToConnections() {
    // The tester's server: ulimit -n 256, about 20 open once the data root was.
    assertThat(new DescriptorBudget.Descriptors(256, 20).connectionCap(1024)).isEqualTo(118);
    // A generous limit leaves the configured cap alone.
    assertThat(new DescriptorBudget.Descriptors(1 << 20, 40).connectionCap(1024)).isEqualTo(1024);
    // Unknown (no /proc): the configured cap.
    assertThat(new DescriptorBudget.Descriptors(-1, 20).connectionCap(1024)).isEqualTo(1024);
    assertThat(new DescriptorBudget.Descriptors(256, -1).connectionCap(1024)).isEqualTo(1024);
    // Nearly nothing free: one connection still, so the server can be reached at all.
    assertThat(new DescriptorBudget.Descriptors(64, 64).connectionCap(1024)).isEqualTo(1);
  }

  @Test
  void thisProcessHasALimitAndOpenDescriptors() {
    DescriptorBudget.Descriptors fds = DescriptorBudget.ofThisProcess();
    assertThat(fds.open()).isPositive();
    assertThat(fds.limit()).isNotZero();
  }
}
