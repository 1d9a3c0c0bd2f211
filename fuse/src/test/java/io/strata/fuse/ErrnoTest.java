package io.strata.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.error.AlreadyExistsException;
import io.strata.store.error.ConflictException;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.error.StorageFullException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** Each store exception becomes the error number a program expects; Linux's numbers. */
class ErrnoTest {
  @Test
  void storeExceptionsMapByType() {
    assertThat(Errno.of(new NotFoundException("path /a not found"), Errno.EPERM)).isEqualTo(2);
    assertThat(Errno.of(new AlreadyExistsException("path /a exists"), Errno.EPERM)).isEqualTo(17);
    assertThat(Errno.of(new StorageFullException("disk full"), Errno.EPERM)).isEqualTo(28);
    assertThat(Errno.of(new CorruptDataException("chunk x missing", "x"), Errno.EPERM))
        .isEqualTo(5);
    assertThat(Errno.of(new InvalidArgumentException("bad"), Errno.EPERM)).isEqualTo(22);
    assertThat(Errno.of(new ConflictException("read-only"), Errno.EPERM)).isEqualTo(1);
    assertThat(Errno.of(new ConflictException("other mount"), Errno.EXDEV)).isEqualTo(18);
    // mknod of a node type a view cannot keep (a volume's host directory): EPERM, as mknod(2)
    // answers for a file system that does not support the type
    assertThat(Errno.of(new ConflictException("volume v: /fifo of type 10000"), Errno.EPERM))
        .isEqualTo(1);
  }

  @Test
  void hostFileErrorsOfVolumesMapToo() {
    assertThat(Errno.of(new NoSuchFileException("/v/a"), Errno.EPERM)).isEqualTo(2);
    assertThat(Errno.of(new DirectoryNotEmptyException("/v/d"), Errno.EPERM)).isEqualTo(39);
    assertThat(Errno.of(new AccessDeniedException("/v/a"), Errno.EPERM)).isEqualTo(13);
    assertThat(Errno.of(new IOException("No space left on device"), Errno.EPERM)).isEqualTo(28);
    assertThat(Errno.of(new IOException("something else"), Errno.EPERM)).isEqualTo(5);
    // the server's open-file limit, as a volume's file met it (round 7, O2): EMFILE, not EIO
    assertThat(
            Errno.of(new java.nio.file.FileSystemException("f8: Too many open files"), Errno.EPERM))
        .isEqualTo(24);
    assertThat(Errno.of(new IllegalStateException("a bug"), Errno.EPERM)).isEqualTo(5);
  }

  @Test
  void refusalsDecidedBeforeTheViewKeepTheirNumber() {
    assertThat(Errno.isFailure(Errno.EIO)).isTrue();
    assertThat(Errno.isFailure(Errno.ENOENT)).isFalse();
    assertThat(Errno.ENOTEMPTY).isEqualTo(39);
    assertThat(Errno.EROFS).isEqualTo(30);
    assertThat(Errno.ENOSYS).isEqualTo(38);
    assertThat(Errno.ENODATA).isEqualTo(61);
  }
}
