package io.strata.driver.btrfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.fs.FileSystemView;
import io.strata.store.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large file's {@code st_blocks}, which stat keeps once asked, follows the extents through
 * writes, truncates and reflinks as a driver opened afresh counts them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StatBlocksTest {
  private static final int MIB = 1 << 20;
  private static final int BLOCK = ExtentLayout.BLOCK;

  @TempDir Path dir;
  private Fixture f;

  @BeforeEach
  void open() throws IOException {
    f = Fixture.open(dir);
    f.driver().prepare("c", null, Map.of());
  }

  @AfterEach
  void close() throws IOException {
    f.close();
  }

  @Test
  void aListingGivesASparseFileTheBlocksStatGives() throws IOException {
    FileSystemView fs = f.driver().fs("c");
    fs.write("/sparse", 0, new byte[0], 0, 0);
    fs.truncate("/sparse", 10L << 30);
    fs.write("/sp2", 100_000_000, new byte[] {'x'}, 0, 1);
    for (io.strata.store.fs.DirEntry e : fs.list("/")) {
      assertThat(e.stat().allocatedBytes())
          .as("%s listed (READDIRPLUS), AJ2", e.name())
          .isEqualTo(fs.stat("/" + e.name()).allocatedBytes());
    }
    assertThat(fs.stat("/sparse").allocatedBytes()).isZero();
  }

  @Test
  void blocksFollowWritesAndReflinks() throws IOException {
    FileSystemView fs = f.driver().fs("c");
    fs.writeFile("/src", new ByteArrayInputStream(TestData.random(1, 2 * MIB)), 0644, 0, 0, 0);
    fs.truncate("/src", 8 * MIB); // a hole of 6 MiB
    fs.write("/src", 6 * MIB, TestData.random(2, 64 << 10), 0, 64 << 10);
    long src = 2 * MIB + (64 << 10);
    assertThat(blocks(fs, "/src")).isEqualTo(src);

    f.driver().reflink("c", "/src", "/dst");
    assertThat(blocks(fs, "/dst")).isEqualTo(src);

    fs.write("/dst", 4 * MIB, TestData.random(3, BLOCK), 0, BLOCK); // into the copy's hole
    assertThat(blocks(fs, "/dst")).isEqualTo(src + BLOCK);
    assertThat(blocks(fs, "/src")).as("the source is its own").isEqualTo(src);

    fs.truncate("/src", 3 * MIB); // the 64 KiB past it go
    assertThat(blocks(fs, "/src")).isEqualTo(2 * MIB);

    f.driver().reflink("c", "/src", "/dst"); // over the copy
    assertThat(blocks(fs, "/dst")).isEqualTo(2 * MIB);

    fs.sync();
    f.reopen();
    FileSystemView reopened = f.driver().fs("c");
    assertThat(reopened.stat("/src").allocatedBytes()).isEqualTo(2 * MIB);
    assertThat(reopened.stat("/dst").allocatedBytes()).isEqualTo(2 * MIB);
  }

  /** The allocated bytes stat shows, asked twice: the second answer may be the kept one. */
  private static long blocks(FileSystemView fs, String path) throws IOException {
    long first = fs.stat(path).allocatedBytes();
    assertThat(fs.stat(path).allocatedBytes()).as("second stat of " + path).isEqualTo(first);
    return first;
  }
}
