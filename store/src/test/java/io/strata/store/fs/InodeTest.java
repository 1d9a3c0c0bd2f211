package io.strata.store.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.CorruptDataException;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class InodeTest {
  /** A version 1 item as releases before device nodes wrote it: a regular file. */
  private static final String V1_FILE =
      "01" // version
          + "000081a4" // mode 0100644
          + "000003e8" // uid 1000
          + "00000064" // gid 100
          + "00000001" // nlink
          + "0000000000000005" // size
          + "0000000000000007" // mtime
          + "0000000000000008" // atime
          + "0000000000000009" // ctime
          + "0000"; // no target

  @Test
  void versionOneItemsStillReadAndAreStillWritten() {
    byte[] v1 = HexFormat.of().parseHex(V1_FILE);
    Inode in = Inode.decode(v1, 5);
    assertThat(in).isEqualTo(new Inode(0100644, 1000, 100, 1, 5, 7, 8, 9, null, 0));
    assertThat(in.encode()).as("unchanged bytes for every non-device").isEqualTo(v1);
    Inode fifo = new Inode(FileStat.S_IFIFO | 0600, 0, 0, 1, 0, 1, 1, 1, null, 0);
    assertThat(fifo.encode()[0]).isEqualTo((byte) 1);
  }

  @Test
  void devicesAreVersionTwoWithMajorAndMinor() {
    Inode dev =
        new Inode(FileStat.S_IFBLK | 0660, 0, 6, 1, 0, 1, 2, 3, null, FileStat.makedev(259, 70000));
    byte[] v = dev.encode();
    String hex = HexFormat.of().formatHex(v);
    // version 2, mode 0060660 ... no target, major 259, minor 70000
    assertThat(hex).startsWith("02" + "000061b0").endsWith("0000" + "00000103" + "00011170");
    assertThat(v).hasSize(51 + 8);
    assertThat(Inode.decode(v, 9)).isEqualTo(dev);
    assertThat(dev.stat(9).devMajor()).isEqualTo(259);
    assertThat(dev.stat(9).devMinor()).isEqualTo(70000);
  }

  @Test
  void damagedItemsAreRefused() {
    byte[] v1 = HexFormat.of().parseHex(V1_FILE);
    byte[] v3 = v1.clone();
    v3[0] = 3;
    assertThatThrownBy(() -> Inode.decode(v3, 1)).isInstanceOf(CorruptDataException.class);
    byte[] v2short = v1.clone();
    v2short[0] = 2; // claims a device number it does not carry
    assertThatThrownBy(() -> Inode.decode(v2short, 1)).isInstanceOf(CorruptDataException.class);
    byte[] cut = Arrays.copyOf(v1, 40);
    assertThatThrownBy(() -> Inode.decode(cut, 1)).isInstanceOf(CorruptDataException.class);
  }

  @Test
  void deviceNumbersEncodeAsGlibcMakedev() {
    // gnu_dev_makedev's values (Python's os.makedev): (1, 3) 0x103, (8, 1) 0x801,
    // (259, 0) 0x10300, (4096, 256) 0x100000100000
    assertThat(FileStat.makedev(1, 3)).isEqualTo(0x103L);
    assertThat(FileStat.makedev(8, 1)).isEqualTo(0x801L);
    assertThat(FileStat.makedev(259, 0)).isEqualTo(0x10300L);
    assertThat(FileStat.makedev(4096, 256)).isEqualTo(0x100000100000L);
    assertThat(FileStat.major(0x100000100000L)).isEqualTo(4096);
    assertThat(FileStat.minor(0x100000100000L)).isEqualTo(256);
  }
}
