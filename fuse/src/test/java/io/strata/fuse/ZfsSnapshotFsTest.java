package io.strata.fuse;

/** Every {@link SnapshotFsTest} case on a zfs snapshot (record layout instead of extents). */
class ZfsSnapshotFsTest extends SnapshotFsTest {
  @Override
  String driver() {
    return "zfs";
  }
}
