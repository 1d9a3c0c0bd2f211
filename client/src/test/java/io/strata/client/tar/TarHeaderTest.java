package io.strata.client.tar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's header checks agree with the server's: a header counts only with a matching checksum
 * (signed sums accepted, a field of zeros not), and a size past the file ends the walk rather than
 * pointing before the file's start.
 */
class TarHeaderTest {
  @TempDir Path dir;

  private static byte[] oneFile() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
      TarArchiveEntry e = new TarArchiveEntry("f", true);
      e.setSize(3);
      t.putArchiveEntry(e);
      t.write("abc".getBytes(StandardCharsets.UTF_8));
      t.closeArchiveEntry();
    }
    return b.toByteArray();
  }

  private static void setChecksum(byte[] tar, boolean signed) {
    Arrays.fill(tar, 148, 156, (byte) ' ');
    long sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += signed ? tar[i] : tar[i] & 0xFF;
    }
    byte[] field = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(field, 0, tar, 148, 8);
  }

  @Test
  void aChecksumMustMatchSummedEitherWay() throws IOException {
    byte[] tar = oneFile();
    assertThat(TarHeader.checksumMatches(tar)).isTrue();
    tar[0] = (byte) 0xE9; // negative when summed signed
    assertThat(TarHeader.checksumMatches(tar)).isFalse();
    setChecksum(tar, true);
    assertThat(TarHeader.checksumMatches(tar)).isTrue();
    Arrays.fill(tar, 148, 156, (byte) '0');
    assertThat(TarHeader.checksumMatches(tar)).isFalse();
  }

  @Test
  void aHugeSizeEndsTheWalkWithoutOverflow() throws IOException {
    byte[] tar = oneFile();
    // size 2^63-1 in base-256, the checksum made to match: a header that lies about its size
    tar[124] = (byte) 0x80;
    Arrays.fill(tar, 125, 128, (byte) 0);
    tar[128] = 0x7F;
    Arrays.fill(tar, 129, 136, (byte) 0xFF);
    setChecksum(tar, false);
    assertThat(TarHeader.size(tar)).isEqualTo(Long.MAX_VALUE);
    assertThat(TarHeader.next(0, Long.MAX_VALUE, tar.length)).isEqualTo(-1);
    Path file = Files.write(dir.resolve("hugesize.tar"), tar);
    assertThat(ImageArchiveCheck.plainTar(file)).isFalse();
    assertThat(LayerTarRewrite.headers(file)).isZero();
  }

  @Test
  void aHeaderWithABadChecksumIsNeverRewritten() throws IOException {
    byte[] tar = oneFile();
    Arrays.fill(tar, 148, 156, (byte) '0');
    Path file = Files.write(dir.resolve("badchk.tar"), tar);
    assertThat(LayerTarRewrite.headers(file)).isZero();
    assertThat(LayerTarRewrite.write(file, new ByteArrayOutputStream())).isFalse();
    assertThat(LayerTarRewrite.headers(Files.write(dir.resolve("ok.tar"), oneFile()))).isEqualTo(1);
  }
}
