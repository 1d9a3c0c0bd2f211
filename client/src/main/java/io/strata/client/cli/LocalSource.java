package io.strata.client.cli;

import io.strata.client.UploadBody;
import io.strata.client.tar.ImageArchiveCheck;
import io.strata.client.tar.LayerTarRewrite;
import io.strata.client.tar.TreeTar;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A local path the client sends: a file streams as it is, a directory as the tar {@link TreeTar}
 * makes of it. The client reads its own paths, so client and server may run on different hosts.
 *
 * @param path the file or directory (symlinks resolved)
 * @param directory whether it is a directory
 * @param size the bytes a file will send; -1 for a directory (not known up front)
 * @param select for {@code dir:tag}, the tag after the colon (null otherwise)
 */
record LocalSource(Path path, boolean directory, long size, String select) {
  /**
   * Resolves {@code arg}: a file, a directory, or {@code dir:tag} when {@code allowSelect}, no file
   * of that exact name exists and {@code dir} is an OCI layout (has {@code index.json}). Fails,
   * naming it, when it does not exist.
   */
  static LocalSource of(String what, String arg, boolean allowSelect) throws IOException {
    Path p = Path.of(arg);
    String select = null;
    int colon = arg.lastIndexOf(':');
    if (allowSelect
        && !Files.exists(p, LinkOption.NOFOLLOW_LINKS)
        && colon > 0
        && Files.isRegularFile(Path.of(arg.substring(0, colon), "index.json"))) {
      p = Path.of(arg.substring(0, colon));
      select = arg.substring(colon + 1);
    }
    if (Files.isDirectory(p)) {
      return new LocalSource(p.toRealPath(), true, -1, select);
    }
    if (Files.isRegularFile(p)) {
      return new LocalSource(p, false, Files.size(p), null);
    }
    throw new IOException(
        what + " " + arg + (Files.exists(p) ? " is not a file or directory" : " does not exist"));
  }

  /** The name a server's messages use for it: its last path component. */
  String name() {
    Path n = path.getFileName();
    return n == null ? "root" : n.toString();
  }

  /**
   * Whether what {@link #body} sends is a plain tar of one file tree, not an image archive (see
   * {@link ImageArchiveCheck}), so the server may import it as it arrives.
   */
  boolean plainTree() throws IOException {
    if (select != null) {
      return false;
    }
    return directory ? ImageArchiveCheck.plainDirectory(path) : ImageArchiveCheck.plainTar(path);
  }

  /**
   * Writes a plain tree in the server's canonical layer form, which the server need not read back:
   * a directory as {@link TreeTar#writeLayer} writes it, a tar rewritten so ({@link
   * LayerTarRewrite}) when that keeps its tree, else as it is; for an import marked {@link
   * #plainTree}.
   */
  UploadBody layerBody() {
    if (directory) {
      return out -> TreeTar.writeLayer(path, out);
    }
    UploadBody asItIs = body();
    return out -> {
      if (!LayerTarRewrite.write(path, out)) {
        asItIs.writeTo(out);
      }
    };
  }

  /** Writes the bytes to send. */
  UploadBody body() {
    if (directory) {
      return out -> TreeTar.write(path, out);
    }
    return out -> {
      try (InputStream in = Files.newInputStream(path)) {
        in.transferTo(out);
      } catch (NoSuchFileException e) {
        throw new IOException("file " + path + " does not exist", e);
      } catch (AccessDeniedException e) {
        throw new IOException("file " + path + " cannot be read: permission denied", e);
      }
    };
  }
}
