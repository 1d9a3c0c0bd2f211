package io.strata.driver.btrfs;

import io.strata.store.fs.FileData;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A file's extents, passed where the file system expects the content of a new file: {@link
 * ExtentLayout#replace} then installs the extents as they are instead of storing bytes, which is
 * how a reflink copies a file without copying data. It is not a byte stream; reading it fails.
 */
final class ExtentList extends InputStream {
  /**
   * One extent at its file offset.
   *
   * @param position the file offset where it begins
   * @param extent the chunk range
   */
  record Placed(long position, Extent extent) {}

  private final List<Placed> extents;
  private final long size;

  private ExtentList(List<Placed> extents, long size) {
    this.extents = List.copyOf(extents);
    this.size = size;
  }

  List<Placed> extents() {
    return extents;
  }

  /** The size of the file the extents came from (holes at its end included). */
  long size() {
    return size;
  }

  @Override
  public int read() {
    throw new UnsupportedOperationException("an extent list is not a byte stream");
  }

  /** Collects the extents of the file a layout is asked to read. */
  static final class Builder {
    private final List<Placed> extents = new ArrayList<>();
    private long size;

    void addAll(FileData file) {
      extents.clear();
      for (FileData.Item it : file.items(0, Long.MAX_VALUE)) {
        extents.add(new Placed(it.key(), Extent.decode(it.value(), file.ino(), it.key())));
      }
      size = file.size();
    }

    ExtentList build() {
      return new ExtentList(extents, size);
    }
  }
}
