/**
 * Serves a snapshot's {@link io.strata.store.fs.FileSystemView} as a FUSE file system, so that
 * ordinary programs, runc and containerd use Strata's copy-on-write trees through the kernel. The
 * drivers do not know FUSE exists: this package sees only the view.
 *
 * <p>{@link io.strata.fuse.FuseMounts} is the API other modules use (mount a view at a directory,
 * find a mount, unmount everything at stop); {@code SnapshotFs} answers the kernel's calls; {@code
 * Errno} maps the store's exceptions to error numbers; {@code MountTable} reads the kernel's mount
 * table and cleans mount points a killed server left behind.
 *
 * <h2>Binding: jnr-fuse on libfuse 2, Java 17</h2>
 *
 * We bind libfuse with jnr-fuse ({@code com.github.serceman:jnr-fuse}): it runs on the Java 17 the
 * whole build uses, needs no JNI code of ours, and loads {@code libfuse.so.2} (Debian's {@code
 * libfuse2}). The alternative, cryptomator's jfuse, speaks FUSE 3 through the FFM API, which is
 * final only from Java 22: taking it would move every module, {@code .ci/run} and every developer
 * machine to Java 25 for one module. FUSE 2's high-level, path-based API is enough for what a
 * container does (hard links, xattrs, {@code big_writes}); what FUSE 3 would add (writeback cache,
 * {@code copy_file_range}, larger requests) is a performance step we can take with the move to a
 * newer Java. Everything FUSE-specific stays in this package, so that change touches nothing else.
 */
package io.strata.fuse;
