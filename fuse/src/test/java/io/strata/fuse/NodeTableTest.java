package io.strata.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.fs.FileStat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Node identity, names, paths and lookup counts, without a mount. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NodeTableTest {
  private static FileStat dir(long ino) {
    return new FileStat(ino, FileStat.S_IFDIR | 0755, 0, 0, 2, 0, 0, 0, 0, null);
  }

  private static FileStat file(long ino, int nlink) {
    return new FileStat(ino, FileStat.S_IFREG | 0644, 0, 0, nlink, 0, 0, 0, 0, null);
  }

  @Test
  void byInodeHardLinksAreOneNodeAndAnyNameReachesIt() {
    NodeTable t = new NodeTable(ino -> true, dir(1));
    NodeTable.Node f = t.lookedUp(Wire.ROOT_ID, "f", file(7, 2));
    NodeTable.Node g = t.lookedUp(Wire.ROOT_ID, "g", file(7, 2));
    assertThat(g).isSameAs(f);
    assertThat(f.lookups).isEqualTo(2);
    assertThat(t.path(f.id)).isEqualTo("/g");
    t.removed(Wire.ROOT_ID, "g");
    assertThat(t.path(f.id)).as("the other name").isEqualTo("/f");
    t.removed(Wire.ROOT_ID, "f");
    assertThat(t.path(f.id)).as("no name left").isNull();
    assertThat(t.forget(f.id, 1)).isNull();
    assertThat(t.forget(f.id, 1)).isSameAs(f);
    assertThat(t.get(f.id)).isNull();
    assertThat(t.size()).isEqualTo(1);
  }

  @Test
  void renamingADirectoryMovesEveryPathUnderIt() {
    NodeTable t = new NodeTable(ino -> true, dir(1));
    NodeTable.Node a = t.lookedUp(Wire.ROOT_ID, "a", dir(2));
    NodeTable.Node b = t.lookedUp(a.id, "b", dir(3));
    NodeTable.Node f = t.lookedUp(b.id, "f", file(4, 1));
    NodeTable.Node z = t.lookedUp(Wire.ROOT_ID, "z", dir(5));
    assertThat(t.path(f.id)).isEqualTo("/a/b/f");
    t.renamed(new NodeTable.Name(Wire.ROOT_ID, "a"), new NodeTable.Name(z.id, "moved"));
    assertThat(t.path(f.id)).isEqualTo("/z/moved/b/f");
    assertThat(t.child(b.id, "new")).isEqualTo("/z/moved/b/new");
    assertThat(t.at(Wire.ROOT_ID, "a")).isNull();
    assertThat(t.at(z.id, "moved")).isSameAs(a);
  }

  @Test
  void aRenameOverANameUnnamesWhatItReplaced() {
    NodeTable t = new NodeTable(ino -> true, dir(1));
    NodeTable.Node x = t.lookedUp(Wire.ROOT_ID, "x", file(10, 1));
    NodeTable.Node y = t.lookedUp(Wire.ROOT_ID, "y", file(11, 1));
    t.renamed(new NodeTable.Name(Wire.ROOT_ID, "x"), new NodeTable.Name(Wire.ROOT_ID, "y"));
    assertThat(t.path(x.id)).isEqualTo("/y");
    assertThat(t.path(y.id)).isNull();
  }

  @Test
  void byNameEachNameIsANodeAndAReplacedObjectGetsANewOne() {
    NodeTable t = new NodeTable(ino -> false, dir(1));
    NodeTable.Node f = t.lookedUp(Wire.ROOT_ID, "f", file(7, 2));
    NodeTable.Node g = t.lookedUp(Wire.ROOT_ID, "g", file(7, 2));
    assertThat(g.id).isNotEqualTo(f.id);
    // Inode numbers of another file system may repeat: a volume's file beside a layer's.
    NodeTable.Node v = t.lookedUp(Wire.ROOT_ID, "vol", dir(7));
    assertThat(v.id).isNotEqualTo(f.id);
    assertThat(t.lookedUp(Wire.ROOT_ID, "f", file(7, 2))).isSameAs(f);
    NodeTable.Node replaced = t.lookedUp(Wire.ROOT_ID, "f", file(8, 1));
    assertThat(replaced.id).isNotEqualTo(f.id);
    assertThat(t.path(f.id)).isNull();
    assertThat(t.path(replaced.id)).isEqualTo("/f");
  }
}
