package io.strata.files.names;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 1, unit = TimeUnit.MINUTES)
class Utf8NamesTest {
  private static byte[] hex(String h) {
    return HexFormat.of().parseHex(h);
  }

  @Test
  void wellFormedUtf8IsTaken() {
    assertThat(Utf8Names.isUtf8(hex(""))).isTrue();
    assertThat(Utf8Names.isUtf8("plain".getBytes())).isTrue();
    assertThat(Utf8Names.isUtf8(hex("636166c3a9"))).as("café").isTrue();
    assertThat(Utf8Names.isUtf8(hex("efbfbd"))).as("U+FFFD itself").isTrue();
    assertThat(Utf8Names.isUtf8(hex("f09f9088"))).as("four bytes").isTrue();
  }

  /** RFC 3629: what the JDK's lenient decoding would have turned into U+FFFD. */
  @Test
  void malformedUtf8IsRefused() {
    assertThat(Utf8Names.isUtf8(hex("626164ff31"))).as("a byte no UTF-8 has").isFalse();
    assertThat(Utf8Names.isUtf8(hex("80"))).as("a stray continuation byte").isFalse();
    assertThat(Utf8Names.isUtf8(hex("61c3"))).as("a sequence cut short").isFalse();
    assertThat(Utf8Names.isUtf8(hex("c0af"))).as("an overlong '/'").isFalse();
    assertThat(Utf8Names.isUtf8(hex("eda080"))).as("a surrogate").isFalse();
    assertThat(Utf8Names.isUtf8(hex("f4908080"))).as("above U+10FFFF").isFalse();
  }

  @Test
  void onlyTheRangeAskedForIsChecked() {
    byte[] b = hex("ff61c3a9ff");
    assertThat(Utf8Names.isUtf8(b, 1, 3)).isTrue();
    assertThat(Utf8Names.isUtf8(b, 1, 4)).isFalse();
    assertThat(Utf8Names.isUtf8(b, 1, 2)).as("é cut in two").isFalse();
  }

  @Test
  void shownKeepsCharactersAndEscapesTheRest() {
    assertThat(Utf8Names.shown(hex("626164ff31"))).isEqualTo("bad\\xff1");
    assertThat(Utf8Names.shown(hex("636166c3a9"))).isEqualTo("caf\u00e9");
    assertThat(Utf8Names.shown("a\"b\\c\nd\u007f".getBytes())).isEqualTo("a\\\"b\\\\c\\x0ad\\x7f");
    assertThat(Utf8Names.shown(hex("c285"))).as("a C1 control").isEqualTo("\\u0085");
    assertThat(Utf8Names.shown(hex("ff6162ff"), 1, 2)).isEqualTo("ab");
  }
}
