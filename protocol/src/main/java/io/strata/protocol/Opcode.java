package io.strata.protocol;

/**
 * What a REQUEST asks for. Codes are grouped by area ({@code 0x00xx} the store, {@code 0x01xx}
 * objects, {@code 0x02xx} images, {@code 0x03xx} containers and their files, {@code 0x04xx}
 * volumes, {@code 0x05xx} the driver, {@code 0x06xx} host to host); new commands get new codes and
 * old codes never change meaning. A server answers a code it does not serve with {@link
 * Status#UNIMPLEMENTED}.
 */
public enum Opcode {
  /** {@code strata info}: no arguments; answer {@code InfoReply}. */
  INFO(0x0001, "info", Transfer.NONE),
  /** {@code strata gc}: no arguments; answer {@code GcReply}. */
  GC(0x0002, "gc", Transfer.NONE),
  /**
   * {@code strata fsck}: no arguments; DATA is JSON lines of {@code DamageItem}; {@code FsckEnd}.
   */
  FSCK(0x0003, "fsck", Transfer.DOWNLOAD),
  /** {@code strata system df}: no arguments; answer {@code DiskUsageReply}. */
  SYSTEM_DF(0x0004, "system.df", Transfer.NONE),
  /** {@code strata blob put}: {@code PutArgs}; DATA is the content; answer {@code PutReply}. */
  BLOB_PUT(0x0101, "blob.put", Transfer.UPLOAD),
  /** {@code strata blob get}: {@code GetArgs}; DATA is the content; answer {@code GetEnd}. */
  BLOB_GET(0x0102, "blob.get", Transfer.DOWNLOAD),
  /** {@code strata blob stat}: {@code DigestArgs}; answer {@code StatReply}. */
  BLOB_STAT(0x0103, "blob.stat", Transfer.NONE),
  /**
   * {@code strata blob ls}: no arguments; DATA is JSON lines of {@code BlobItem}; {@code ListEnd}.
   */
  BLOB_LIST(0x0104, "blob.ls", Transfer.DOWNLOAD),
  /** {@code strata blob rm}: {@code DigestArgs}; answer {@code DigestArgs} of what was removed. */
  BLOB_REMOVE(0x0105, "blob.rm", Transfer.NONE),
  /** {@code strata image import}: {@code ImportArgs}; DATA is the archive; {@code ImportReply}. */
  IMAGE_IMPORT(0x0201, "image.import", Transfer.UPLOAD),
  /** {@code strata image export}: {@code ExportArgs}; DATA is the tar; answer {@code GetEnd}. */
  IMAGE_EXPORT(0x0202, "image.export", Transfer.DOWNLOAD),
  /**
   * {@code strata image ls}: no arguments; DATA is JSON lines of {@code ImageItem}; {@code
   * ListEnd}.
   */
  IMAGE_LIST(0x0203, "image.ls", Transfer.DOWNLOAD),
  /**
   * {@code strata image history}: {@code ImageArgs}; DATA is JSON lines of {@code HistoryItem}, top
   * layer first; {@code ListEnd}.
   */
  IMAGE_HISTORY(0x0204, "image.history", Transfer.DOWNLOAD),
  /** {@code strata image inspect}: {@code ImageArgs}; answer {@code InspectReply}. */
  IMAGE_INSPECT(0x0205, "image.inspect", Transfer.NONE),
  /** {@code strata image tag}: {@code TagArgs}; answer {@code TagReply}. */
  IMAGE_TAG(0x0206, "image.tag", Transfer.NONE),
  /** {@code strata image rm}: {@code ImageArgs}; answer {@code RemoveReply}. */
  IMAGE_REMOVE(0x0207, "image.rm", Transfer.NONE),
  /**
   * {@code strata build}: {@code BuildArgs}; the client's DATA is the context as a tar, the
   * server's DATA the build log as UTF-8 lines; answer {@code ImportReply}.
   */
  IMAGE_BUILD(0x0208, "image.build", Transfer.EXCHANGE),
  /** {@code strata create}: {@code CreateArgs}; answer {@code CreateReply}. */
  CONTAINER_CREATE(0x0301, "container.create", Transfer.NONE),
  /**
   * {@code strata ps}: no arguments; DATA is JSON lines of {@code ContainerItem}, newest first;
   * {@code ListEnd}.
   */
  CONTAINER_LIST(0x0302, "container.ls", Transfer.DOWNLOAD),
  /** {@code strata inspect}: {@code ContainerArgs}; answer {@code ContainerInspectReply}. */
  CONTAINER_INSPECT(0x0303, "container.inspect", Transfer.NONE),
  /** {@code strata rm}: {@code ContainerRemoveArgs}; answer {@code ContainerReply}. */
  CONTAINER_REMOVE(0x0304, "container.rm", Transfer.NONE),
  /** {@code strata commit}: {@code CommitArgs}; answer {@code CommitReply}. */
  CONTAINER_COMMIT(0x0305, "container.commit", Transfer.NONE),
  /**
   * {@code strata diff}: {@code ContainerArgs}; DATA is JSON lines of {@code ChangeItem}; {@code
   * ListEnd}.
   */
  CONTAINER_DIFF(0x0306, "container.diff", Transfer.DOWNLOAD),
  /** {@code strata export}: {@code ContainerArgs}; DATA is the tar; answer {@code GetEnd}. */
  CONTAINER_EXPORT(0x0307, "container.export", Transfer.DOWNLOAD),
  /**
   * {@code strata cp C:PATH DEST}: {@code PathArgs}; DATA is a tar whose top entry is named after
   * the path's last component; answer {@code GetEnd}.
   */
  CONTAINER_COPY_OUT(0x0308, "container.cp-out", Transfer.DOWNLOAD),
  /**
   * {@code strata cp SRC C:PATH}: {@code CopyInArgs}; DATA is a tar unpacked as {@code docker cp}
   * does; answer {@code PathReply}.
   */
  CONTAINER_COPY_IN(0x0309, "container.cp-in", Transfer.UPLOAD),
  /**
   * {@code strata mount}: {@code MountArgs}; the server serves the container's file system at the
   * directory (on its host) through FUSE; answer {@code MountReply}.
   */
  CONTAINER_MOUNT(0x030A, "container.mount", Transfer.NONE),
  /** {@code strata umount}: {@code MountArgs} (the directory only); answer {@code MountReply}. */
  CONTAINER_UMOUNT(0x030B, "container.umount", Transfer.NONE),
  /** {@code strata fs C stat}: {@code PathArgs}; answer {@code FileItem}. */
  FS_STAT(0x0321, "fs.stat", Transfer.NONE),
  /**
   * {@code strata fs C ls}: {@code PathArgs}; DATA is JSON lines of {@code FileItem}, by name;
   * {@code ListEnd}.
   */
  FS_LIST(0x0322, "fs.ls", Transfer.DOWNLOAD),
  /** {@code strata fs C cat}: {@code ReadArgs}; DATA is the file's bytes; answer {@code GetEnd}. */
  FS_READ(0x0323, "fs.read", Transfer.DOWNLOAD),
  /** {@code strata fs C write}: {@code WriteArgs}; DATA is the bytes; answer {@code WriteReply}. */
  FS_WRITE(0x0324, "fs.write", Transfer.UPLOAD),
  /**
   * {@code strata fs C rm|mkdir|mv|ln|chmod|truncate}: {@code FsChangeArgs}; answer {@code
   * PathReply}.
   */
  FS_CHANGE(0x0325, "fs.change", Transfer.NONE),
  /**
   * {@code strata container prune}: {@code ContainerPruneArgs}; answer {@code ContainerPruneReply}.
   * Older servers answer {@code UNIMPLEMENTED}: the client then refuses a filtered prune.
   */
  CONTAINER_PRUNE(0x030C, "container.prune", Transfer.NONE),
  /** {@code strata volume create}: {@code VolumeArgs}; answer {@code VolumeItem}. */
  VOLUME_CREATE(0x0401, "volume.create", Transfer.NONE),
  /**
   * {@code strata volume ls}: no arguments; DATA is JSON lines of {@code VolumeItem}; {@code
   * ListEnd}.
   */
  VOLUME_LIST(0x0402, "volume.ls", Transfer.DOWNLOAD),
  /** {@code strata volume inspect}: {@code VolumeArgs}; answer {@code VolumeItem}. */
  VOLUME_INSPECT(0x0403, "volume.inspect", Transfer.NONE),
  /**
   * {@code strata volume rm}: {@code VolumeArgs}; answer {@code VolumeArgs} of what was removed.
   */
  VOLUME_REMOVE(0x0404, "volume.rm", Transfer.NONE),
  /** {@code strata volume prune}: {@code VolumePruneArgs}; answer {@code VolumePruneReply}. */
  VOLUME_PRUNE(0x0405, "volume.prune", Transfer.NONE),
  /**
   * {@code strata driver ls}: no arguments; DATA is JSON lines of driver entries; {@code ListEnd}.
   */
  DRIVER_LIST(0x0501, "driver.ls", Transfer.DOWNLOAD),
  /**
   * {@code strata driver get|set|show}: {@code DriverPropertyArgs}; DATA is JSON lines of objects
   * ({@code name}, {@code property}, {@code value}, {@code source} for get and set; the fields of
   * {@code btrfs subvolume show} for show); {@code ListEnd}.
   */
  DRIVER_PROPERTY(0x0502, "driver.property", Transfer.DOWNLOAD),
  /**
   * {@code strata driver set}: {@code DriverSetArgs}, every assignment checked on every name before
   * any is applied; DATA is JSON lines of {@code name}, {@code property}, {@code value}, {@code
   * source} after; {@code ListEnd}.
   */
  DRIVER_SET(0x0503, "driver.set", Transfer.DOWNLOAD),
  /**
   * {@code strata push}: {@code TransferArgs} (the local image); DATA is JSON lines of {@code
   * TransferProgress}; answer {@code TransferReply}.
   */
  IMAGE_PUSH(0x0209, "image.push", Transfer.DOWNLOAD),
  /**
   * {@code strata pull}: {@code TransferArgs} (the remote image); DATA is JSON lines of {@code
   * TransferProgress}; answer {@code TransferReply}.
   */
  IMAGE_PULL(0x020A, "image.pull", Transfer.DOWNLOAD),
  /**
   * {@code strata pull REGISTRY/REPO:TAG} from a Strata registry: {@code RegistryPullArgs}; the
   * server fetches only the chunks it lacks (the registry's chunk index); DATA is JSON lines of
   * {@code TransferProgress}; answer {@code TransferReply}. {@code UNIMPLEMENTED} when the registry
   * publishes no chunk index for the image: the client then pulls the ordinary way.
   */
  REGISTRY_PULL(0x020B, "registry.pull", Transfer.DOWNLOAD),
  /**
   * A pull from a plain registry, before it fetches layer blobs: {@code HeldArgs}; answer {@code
   * HeldReply}, which layers the server holds with those very blobs, for the client to leave out
   * (and name in {@code ImportArgs.leftOut}).
   */
  IMAGE_HELD(0x020C, "image.held", Transfer.NONE),
  /**
   * {@code strata builder prune}: {@code BuildPruneArgs}; answer {@code BuildPruneReply}, the build
   * cache entries forgotten and the layers removed with them.
   */
  BUILD_PRUNE(0x020D, "build.prune", Transfer.NONE),
  /**
   * {@code strata image prune}: {@code ImagePruneArgs}; answer {@code RemoveReply}, every image
   * removed. Older servers answer {@code UNIMPLEMENTED}: the client then refuses a filtered prune.
   */
  IMAGE_PRUNE(0x020E, "image.prune", Transfer.NONE),
  /** Host to host: how the server cuts files; no arguments; answer {@code CutReply}. */
  TRANSFER_CUT(0x0601, "transfer.cut", Transfer.NONE),
  /** Host to host: {@code PlanArgs}; DATA is the image's transfer plan; answer {@code GetEnd}. */
  TRANSFER_PLAN(0x0602, "transfer.plan", Transfer.DOWNLOAD),
  /**
   * Host to host: {@code PlanArgs}; the client's DATA is a list of chunks, the server's DATA their
   * chunk records; answer {@code ChunksEnd}.
   */
  TRANSFER_CHUNKS(0x0603, "transfer.chunks", Transfer.EXCHANGE),
  /**
   * Host to host: no arguments; the client's DATA is a transfer plan, the server's DATA the list of
   * its chunks the server lacks; answer {@code OfferReply}.
   */
  TRANSFER_OFFER(0x0604, "transfer.offer", Transfer.EXCHANGE),
  /** Host to host: {@code PlanRef}; DATA is chunk records of the plan; answer {@code ChunksEnd}. */
  TRANSFER_PUT(0x0605, "transfer.put", Transfer.UPLOAD),
  /** Host to host: {@code PlanRef}; makes the offered image; answer {@code ImportReply}. */
  TRANSFER_APPLY(0x0606, "transfer.apply", Transfer.NONE);

  private final int code;
  private final String label;
  private final Transfer transfer;

  Opcode(int code, String label, Transfer transfer) {
    this.code = code;
    this.label = label;
    this.transfer = transfer;
  }

  /** The u16 on the wire. */
  public int code() {
    return code;
  }

  /** A short dotted name for messages and metrics, e.g. {@code blob.put}. */
  public String label() {
    return label;
  }

  /** Which way its payload flows. */
  public Transfer transfer() {
    return transfer;
  }

  /** The opcode with wire code {@code code}, or null when this build knows none. */
  public static Opcode of(int code) {
    for (Opcode o : values()) {
      if (o.code == code) {
        return o;
      }
    }
    return null;
  }

  /** How a message names an opcode that may be unknown: its label, else its hex code. */
  public static String describe(int code) {
    Opcode o = of(code);
    return o != null ? o.label : String.format("0x%04x", code);
  }
}
