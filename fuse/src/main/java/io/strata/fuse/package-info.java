/**
 * Serves a snapshot's {@link io.strata.store.fs.FileSystemView} as a FUSE file system, so that
 * ordinary programs, runc and containerd use Strata's copy-on-write trees through the kernel. The
 * drivers do not know FUSE exists: this package sees only the view.
 *
 * <p>{@link io.strata.fuse.FuseMounts} is the API other modules use (mount a view at a directory,
 * find a mount, unmount everything at stop). {@code FuseDevice} opens {@code /dev/fuse} and mounts
 * it with mount(2); {@code FuseSession} reads the kernel's requests and writes the replies; {@code
 * LowLevelFs} answers them from the view; {@code NodeTable} maps the kernel's node ids to the
 * view's paths; {@code FuseRequest}, {@code FuseReply} and {@code Wire} are the protocol's
 * encoding; {@code Errno} maps the store's exceptions to error numbers; {@code MountTable} reads
 * the kernel's mount table and cleans mount points a killed server left behind.
 *
 * <h2>The kernel's low-level protocol, spoken in Java</h2>
 *
 * Mounts used to go through libfuse 2's high-level, path-based API (jnr-fuse). There, the names of
 * a hard-linked file are separate kernel inodes, so cached attributes of one name go stale when
 * another is written, and the kernel clips reads at the size it holds: a writable mount could cache
 * no attributes, and every stat, open and close was a round trip into Java (a tar of a Debian
 * tree's /usr sent 53,000 requests for 4,700 files). libfuse 2 also cannot skip OPEN and RELEASE or
 * read directories with their attributes. So the protocol of {@code include/uapi/linux/fuse.h} is
 * spoken here directly: one node per tree inode (hard links share it), attributes and names cached
 * on writable mounts too, no OPEN/RELEASE/OPENDIR/RELEASEDIR ({@code NO_OPEN_SUPPORT}, {@code
 * NO_OPENDIR_SUPPORT}), {@code READDIRPLUS}, cached symlinks and 256 KiB requests. The C library is
 * reached through jnr-ffi, on the Java 17 the whole build uses; no libfuse is needed, only {@code
 * /dev/fuse} and root (mount(2) needs CAP_SYS_ADMIN; stratad runs as root for containerd).
 */
package io.strata.fuse;
