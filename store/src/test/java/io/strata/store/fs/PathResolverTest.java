package io.strata.store.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.digest.Digest;
import io.strata.store.driver.BlockTestDriver;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.WriteSession;
import io.strata.store.error.NotFoundException;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import io.strata.store.tree.NodeCache;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PathResolver} keeps the directory the last path's parent led to: a path in that directory
 * after it is one lookup. What it keeps must never outlive a change of where that parent leads: a
 * rename, a removal, a symlink replaced, a change rolled back.
 */
@Timeout(60)
class PathResolverTest {
  @TempDir Path dir;
  private ChunkStore store;
  private TreeFileSystem fs;

  @BeforeEach
  void open() throws IOException {
    store = ChunkStore.open(dir.resolve("chunks"), ChunkStore.Options.defaults());
    NodeCache cache = new NodeCache(8 << 20);
    AtomicLong clock = new AtomicLong(1_700_000_000_000_000_000L);
    Digest root;
    try (WriteSession s = store.session()) {
      TreeFileSystem.Formatted f = TreeFileSystem.format(store, cache, s, clock.get());
      s.commit(List.of(new RootChange.Put(new Root("fs", 0, f.root().bytes(), f.chunks()))));
      root = f.root();
    }
    fs =
        new TreeFileSystem(
            store,
            cache,
            root,
            new BlockTestDriver.Blocks(),
            false,
            (s, r, added, released) ->
                s.commit(List.of(new RootChange.Update("fs", 0, r.bytes(), added, released))),
            () -> clock.addAndGet(1_000));
  }

  @AfterEach
  void close() throws IOException {
    store.close();
  }

  private void write(String path, String text) throws IOException {
    fs.writeFile(
        path, new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), 0644, 0, 0, 0);
  }

  private String read(String path) throws IOException {
    byte[] b = new byte[64];
    int n = fs.read(path, 0, b, 0, b.length);
    return new String(b, 0, Math.max(n, 0), StandardCharsets.UTF_8);
  }

  @Test
  void aRenamedDirectoryIsNotFoundUnderItsOldName() throws IOException {
    fs.mkdirs("/d", 0755);
    write("/d/x", "x");
    assertThat(fs.exists("/d/x")).isTrue();
    fs.rename("/d", "/e");
    assertThat(fs.exists("/d/x")).isFalse();
    assertThat(read("/e/x")).isEqualTo("x");
    fs.mkdir("/d", 0755);
    write("/d/y", "y");
    assertThat(fs.exists("/d/x")).isFalse();
    assertThat(fs.exists("/e/y")).isFalse();
  }

  @Test
  void aReplacedSymlinkLeadsToItsNewTarget() throws IOException {
    fs.mkdirs("/real", 0755);
    fs.mkdirs("/other", 0755);
    fs.symlink("/real", "/link");
    write("/link/f", "in real");
    assertThat(read("/real/f")).isEqualTo("in real");
    assertThat(read("/link/f")).isEqualTo("in real");
    fs.remove("/link", false);
    fs.symlink("/other", "/link");
    assertThat(fs.exists("/link/f")).isFalse();
    write("/link/g", "in other");
    assertThat(read("/other/g")).isEqualTo("in other");
    assertThat(fs.exists("/real/g")).isFalse();
  }

  @Test
  void aRolledBackRenameTakesTheKeptDirectoryWithIt() throws IOException {
    fs.mkdirs("/q", 0755);
    write("/q/f", "f");
    fs.deferSync(true);
    fs.rename("/q", "/p");
    assertThat(fs.exists("/p/f")).isTrue();
    fs.discard();
    assertThat(fs.exists("/p/f")).isFalse();
    assertThat(read("/q/f")).isEqualTo("f");
  }

  @Test
  void aRemovedDirectoryRecreatedIsEmptyAndAFileIsNoDirectory() throws IOException {
    fs.mkdirs("/r/s", 0755);
    write("/r/s/f", "f");
    assertThat(fs.exists("/r/s/f")).isTrue();
    fs.remove("/r", true);
    assertThat(fs.exists("/r/s/f")).isFalse();
    assertThatThrownBy(() -> fs.stat("/r/s/f")).isInstanceOf(NotFoundException.class);
    fs.mkdirs("/r/s", 0755);
    assertThat(fs.exists("/r/s/f")).isFalse();
    write("/r/t", "t");
    assertThatThrownBy(() -> fs.stat("/r/t/u"))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("/r/t/u");
  }
}
