package io.strata.server.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;

class ByteRangeTest {
  @Test
  void requestRangesAreClippedToTheBlob() {
    assertThat(ByteRange.request(null, 100)).isNull();
    assertThat(ByteRange.request("bytes=0-9", 100)).isEqualTo(new ByteRange(0, 9));
    assertThat(ByteRange.request("bytes=90-", 100)).isEqualTo(new ByteRange(90, 99));
    assertThat(ByteRange.request("bytes=90-1000", 100)).isEqualTo(new ByteRange(90, 99));
    assertThat(ByteRange.request("bytes=-10", 100)).isEqualTo(new ByteRange(90, 99));
    assertThat(ByteRange.request("bytes=-1000", 100)).isEqualTo(new ByteRange(0, 99));
  }

  @Test
  void unsatisfiableOrMalformedRangesAre416() {
    for (String bad :
        new String[] {
          "bytes=100-",
          "bytes=5-4",
          "bytes=0-1,5-6",
          "items=0-1",
          "bytes=a-b",
          "bytes=-0",
          "bytes=7"
        }) {
      assertThatThrownBy(() -> ByteRange.request(bad, 100))
          .as(bad)
          .isInstanceOfSatisfying(
              RegistryError.class,
              e ->
                  assertThat(e.status())
                      .isEqualTo(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE));
    }
    assertThatThrownBy(() -> ByteRange.request("bytes=0-", 0)).isInstanceOf(RegistryError.class);
  }

  @Test
  void uploadContentRangesInBothForms() {
    assertThat(ByteRange.upload(null)).isNull();
    assertThat(ByteRange.upload("0-99")).isEqualTo(new ByteRange(0, 99));
    assertThat(ByteRange.upload("bytes 100-199/*")).isEqualTo(new ByteRange(100, 199));
    assertThat(ByteRange.upload("100-199").length()).isEqualTo(100);
    for (String bad : new String[] {"-5", "5-4", "x-y", "", "bytes */100"}) {
      assertThatThrownBy(() -> ByteRange.upload(bad)).as(bad).isInstanceOf(RegistryError.class);
    }
  }
}
