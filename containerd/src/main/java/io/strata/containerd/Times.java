package io.strata.containerd;

import com.google.protobuf.Timestamp;
import java.time.Instant;

/** Instants as protobuf timestamps. */
final class Times {
  private Times() {}

  static Timestamp of(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
