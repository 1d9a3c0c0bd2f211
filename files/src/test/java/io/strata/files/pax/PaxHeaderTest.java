package io.strata.files.pax;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 1, unit = TimeUnit.MINUTES)
class PaxHeaderTest {
  private static final byte[] BINARY = {0, (byte) 0xff, (byte) 0x80, '\n', '=', ' '};

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  /** LEN counts the whole record, itself included: one more digit can carry it over 99. */
  @Test
  void aRecordCountsItsOwnLength() {
    assertThat(text(new PaxHeader().add("path", "a").bytes())).isEqualTo("9 path=a\n");
    byte[] value = new byte[94]; // body 98 bytes: 98 + 2 digits is 100, which has 3
    Arrays.fill(value, (byte) 'v');
    byte[] record = new PaxHeader().add("k", value).bytes();
    assertThat(record).hasSize(101);
    assertThat(text(record)).startsWith("101 k=vvv").endsWith("v\n");
  }

  @Test
  void valuesAreWrittenByteForByte() {
    byte[] record = new PaxHeader().addXattr("security.capability", BINARY).bytes();
    // 2 digits, ' ', 32 of key, '=', 6 of value, '\n'
    byte[] key = "43 SCHILY.xattr.security.capability=".getBytes(StandardCharsets.US_ASCII);
    assertThat(Arrays.copyOf(record, key.length)).isEqualTo(key);
    assertThat(Arrays.copyOfRange(record, key.length, record.length - 1)).isEqualTo(BINARY);
    assertThat(record).hasSize(43);
  }

  /**
   * The canonical form of an entry with attributes: one header before it, named as Go names it,
   * holding the name, link and the numbers ustar cannot hold, then the attributes; the ustar header
   * may be cut, and the stream goes back to PAX for what follows.
   */
  @Test
  void anEntryWithAttributesHasOneHeaderHoldingAllOfIt() throws IOException {
    String longName = "d/" + "n".repeat(120) + "\u00e9";
    TarArchiveEntry e = new TarArchiveEntry(longName, TarConstants.LF_SYMLINK);
    e.setLinkName("target");
    e.setUserId(10_000_000L); // above ustar's 07777777
    e.setModTime(FileTime.fromMillis(-1000));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8")) {
      PaxHeader.useForLongValues(tar);
      PaxHeader pax = PaxHeader.forEntry(e).addXattr("user.a", BINARY);
      pax.putWith(tar, e);
      tar.closeArchiveEntry();
      TarArchiveEntry after = new TarArchiveEntry("z/" + "m".repeat(120));
      tar.putArchiveEntry(after); // a long name again: PAX, not cut
      tar.closeArchiveEntry();
    }
    byte[] tar = out.toByteArray();
    String header = text(Arrays.copyOf(tar, 100));
    assertThat(header).startsWith("d/PaxHeaders.0/nnn");
    assertThat(header.indexOf('\0')).isEqualTo(99); // cut short of the field
    String records = text(Arrays.copyOfRange(tar, 512, 1024));
    assertThat(records)
        .startsWith("134 path=d/" + "n".repeat(120) + "\u00c3\u00a9\n")
        .contains("19 linkpath=target\n16 uid=10000000\n12 mtime=-1\n30 SCHILY.xattr.user.a=");
    try (TarArchiveInputStream in =
        new TarArchiveInputStream(new ByteArrayInputStream(tar), "UTF-8")) {
      TarArchiveEntry read = in.getNextEntry();
      assertThat(read.getName()).isEqualTo(longName);
      assertThat(read.getLinkName()).isEqualTo("target");
      assertThat(read.getLongUserId()).isEqualTo(10_000_000L);
      assertThat(read.getModTime().getTime()).isEqualTo(-1000);
      assertThat(in.getNextEntry().getName()).isEqualTo("z/" + "m".repeat(120));
    }
  }

  /** An entry whose values all fit ustar: the header holds its name alone. */
  @Test
  void anEntryThatFitsUstarHasItsNameOnly() {
    TarArchiveEntry e = new TarArchiveEntry("f");
    e.setModTime(FileTime.fromMillis(1_000_000));
    assertThat(text(PaxHeader.forEntry(e).bytes())).isEqualTo("9 path=f\n");
  }
}
