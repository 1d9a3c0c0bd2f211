package io.strata.client.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The local end of {@code strata cp CONTAINER:SRC DEST}, with {@code docker cp}'s rules: into an
 * existing directory DEST the source lands as DEST/NAME (its content, for {@code SRC/.}); a missing
 * DEST is created with the source's content (its parent must exist); an existing file DEST is
 * replaced by a file and never by a directory.
 *
 * <p>The tar is unpacked into a staging directory beside the destination first and moved into place
 * only once it arrived whole, so a failed copy leaves nothing behind. Placing never follows a
 * symlink below DEST: an entry meeting one where a directory is needed is refused.
 */
final class LocalCopy {
  /** Unpacks the tar of the source into a fresh directory. */
  @FunctionalInterface
  interface Receive {
    void into(Path stage) throws IOException;
  }

  private final CopyPath source;
  private final String destinationText;

  private LocalCopy(CopyPath source, String destinationText) {
    this.source = source;
    this.destinationText = destinationText;
  }

  /** Receives {@code source} (a container side) into local {@code destination}. */
  static void receive(CopyPath source, String destination, Receive receive) throws IOException {
    new LocalCopy(source, destination).run(Path.of(destination).toAbsolutePath(), receive);
  }

  private void run(Path dest, Receive receive) throws IOException {
    boolean intoDirectory = Files.isDirectory(dest);
    Path stageParent = intoDirectory ? dest : dest.getParent();
    if (!intoDirectory) {
      if (destinationText.endsWith("/")) {
        throw new IOException("cp: destination directory " + destinationText + " does not exist");
      }
      if (stageParent == null || !Files.isDirectory(stageParent)) {
        throw new IOException(
            "cp: directory "
                + stageParent
                + " of destination "
                + destinationText
                + " does not exist");
      }
    }
    Path stage = Files.createTempDirectory(stageParent, ".strata-cp-");
    try {
      receive.into(stage);
      Path top = top(stage);
      boolean directory = Files.isDirectory(top, LinkOption.NOFOLLOW_LINKS);
      if (source.contentOnly() && !directory) {
        throw new IOException("cp: source " + source + " is not a directory");
      }
      if (intoDirectory && source.contentOnly()) {
        mergeChildren(top, dest);
      } else if (intoDirectory) {
        merge(top, dest.resolve(top.getFileName()));
      } else if (!Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
        Files.move(top, dest);
      } else if (directory) {
        throw new IOException(
            "cp: cannot copy directory " + source + " onto file " + destinationText);
      } else {
        Files.move(top, dest, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      LocalOutput.deleteTree(stage);
    }
  }

  /** The single entry the tar put at the top of the stage. */
  private Path top(Path stage) throws IOException {
    List<Path> entries = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(stage)) {
      s.forEach(entries::add);
    }
    if (entries.size() != 1) {
      throw new IOException(
          "cp: the server sent " + entries.size() + " top entries for " + source + ", not one");
    }
    return entries.get(0);
  }

  /** Moves {@code from} to {@code to}, merging directories into existing ones. */
  private void merge(Path from, Path to) throws IOException {
    if (!Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
      Files.move(from, to);
      return;
    }
    boolean fromDirectory = Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS);
    boolean toDirectory = Files.isDirectory(to, LinkOption.NOFOLLOW_LINKS);
    if (fromDirectory && toDirectory) {
      mergeChildren(from, to);
    } else if (!fromDirectory && !toDirectory) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    } else {
      throw new IOException(
          "cp: cannot overwrite "
              + (toDirectory ? "directory " : "non-directory ")
              + to
              + " with a "
              + (fromDirectory ? "directory" : "non-directory"));
    }
  }

  private void mergeChildren(Path from, Path to) throws IOException {
    LocalOutput.ownerWritable(
        from); // the staged copy may carry a read-only mode; its entries move out
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(from)) {
      s.forEach(children::add);
    }
    for (Path child : children) {
      merge(child, to.resolve(child.getFileName())); // the name's bytes, never decoded
    }
  }
}
