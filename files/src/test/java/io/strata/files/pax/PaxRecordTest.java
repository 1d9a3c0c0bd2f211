package io.strata.files.pax;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The one PAX record reader: exact bytes, the length deciding where a record ends. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class PaxRecordTest {
  private static final byte[] BINARY = {0, (byte) 0xff, (byte) 0x80, '\n', '=', ' ', '\n'};

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** The records of {@code raw} one after another, up to the first malformed one. */
  private static List<PaxRecord> all(byte[] raw) {
    List<PaxRecord> out = new ArrayList<>();
    for (PaxRecord r = PaxRecord.at(raw, 0, raw.length);
        r != null;
        r = PaxRecord.at(raw, r.end(), raw.length)) {
      out.add(r);
    }
    return out;
  }

  @Test
  void readsRecordsOneAfterAnother() {
    List<PaxRecord> r = all(ascii("9 path=a\n13 size=1234\n"));
    assertThat(r).extracting(PaxRecord::key).containsExactly("path", "size");
    assertThat(r).extracting(PaxRecord::text).containsExactly("a", "1234");
    assertThat(r.get(1).end()).isEqualTo(22);
  }

  /** A value may hold '=' and newlines: the length, not a delimiter, ends it. */
  @Test
  void aValueWithEqualsAndNewlinesIsReadWhole() {
    byte[] raw = ascii("19 comment=a=b\nc=\n\n9 path=x\n");
    List<PaxRecord> r = all(raw);
    assertThat(r).extracting(PaxRecord::key).containsExactly("comment", "path");
    assertThat(r.get(0).text()).isEqualTo("a=b\nc=\n");
  }

  /** Binary bytes come back exactly, not through UTF-8. */
  @Test
  void aBinaryValueComesBackByteForByte() {
    byte[] raw = new PaxHeader().addXattr("security.capability", BINARY).bytes();
    PaxRecord r = PaxRecord.at(raw, 0, raw.length);
    assertThat(r.key()).isEqualTo("SCHILY.xattr.security.capability");
    assertThat(r.value()).isEqualTo(BINARY);
    assertThat(r.end()).isEqualTo(raw.length);
  }

  /**
   * A length that lies is no record: one short ends it inside the value (not on '\n'), one long
   * runs into the next record or past the bytes; the value is never read cut or overlong.
   */
  @Test
  void aRecordWhoseLengthLiesIsRefused() {
    assertThat(PaxRecord.at(ascii("10 path=ab\n"), 0, 11)).as("one short").isNull();
    assertThat(PaxRecord.at(ascii("12 path=ab\n"), 0, 11)).as("past the bytes").isNull();
    byte[] two = ascii("12 path=ab\n9 path=c\n");
    assertThat(PaxRecord.at(two, 0, two.length)).as("into the next record").isNull();
    assertThat(PaxRecord.at(two, 0, 11)).as("cut off by the limit").isNull();
    assertThat(PaxRecord.at(two, 11, two.length).text()).isEqualTo("c");
  }

  /** Malformed records are refused, none by an exception. */
  @Test
  void malformedRecordsAreRefused() {
    for (String bad :
        new String[] {
          "",
          " 9 path=a\n",
          "x9 path=a\n",
          "9path=ab\n",
          "9 pathab\n\n",
          "0 \n",
          "99999999999999999999 path=a\n",
          "-9 path=a\n",
          "3 \n"
        }) {
      byte[] raw = ascii(bad);
      assertThat(PaxRecord.at(raw, 0, raw.length)).as("%s", bad).isNull();
    }
    assertThat(PaxRecord.at(ascii("5 =x\n"), 0, 5).key()).as("an empty key is a record").isEmpty();
  }
}
