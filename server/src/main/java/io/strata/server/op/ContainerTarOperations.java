package io.strata.server.op;

import io.strata.protocol.Opcode;
import io.strata.protocol.message.ContainerArgs;
import io.strata.protocol.message.CopyInArgs;
import io.strata.protocol.message.CopyOutArgs;
import io.strata.protocol.message.GetEnd;
import io.strata.protocol.message.PathReply;
import io.strata.store.container.ContainerStore;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.RejectedException;
import io.strata.store.fs.PathNames;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code container.export}, {@code container.cp-out} and {@code container.cp-in}: the container
 * requests that move tars. Tars out are made by the engine on a producer thread and streamed with
 * the download's flow control; a tar in is spooled whole first, then unpacked as one group of
 * changes, so a truncated upload or a hostile entry leaves the container as it was. What the engine
 * refuses in the tar is answered REJECTED.
 */
final class ContainerTarOperations {
  private final ContainerStore containers;
  private final ProducerThreads producers;
  private final Path tmp;

  ContainerTarOperations(ContainerStore containers, ProducerThreads producers, Path tmp) {
    this.containers = containers;
    this.producers = producers;
    this.tmp = tmp;
  }

  void register(Map<Opcode, Operation> into) {
    into.put(Opcode.CONTAINER_EXPORT, this::export);
    into.put(Opcode.CONTAINER_COPY_OUT, this::copyOut);
    into.put(Opcode.CONTAINER_COPY_IN, this::copyIn);
  }

  private Outcome export(byte[] json) {
    String ref =
        ContainerOperations.required(
            Arguments.read(json, ContainerArgs.class, Opcode.CONTAINER_EXPORT).container(),
            Opcode.CONTAINER_EXPORT);
    String id = containers.inspect(ref).id();
    return download(
        producers.start(
            "export of container " + ref, out -> naming(ref, () -> containers.export(id, out))));
  }

  private Outcome copyOut(byte[] json) throws IOException {
    CopyOutArgs args = Arguments.read(json, CopyOutArgs.class, Opcode.CONTAINER_COPY_OUT);
    String ref = ContainerOperations.required(args.container(), Opcode.CONTAINER_COPY_OUT);
    String path = FileOperations.path(args.path(), Opcode.CONTAINER_COPY_OUT);
    // a trailing slash follows a link as -L does, as the kernel reads `link/` (AH3: a dangling
    // `/dl/` said "not a directory", not that it leads nowhere)
    boolean follow = args.followLink() || FileOperations.slashed(path);
    String id = containers.inspect(ref).id();
    // a missing path (or one a followed link leads to) is NOT_FOUND, not a failed download
    io.strata.store.container.ContainerView view = containers.view(id);
    FileOperations.requireFile(view, ref, path);
    String source = ContainerStore.copySource(view, path, follow);
    FileOperations.requireDirectoryIfSlashed(path, view.stat(source));
    return download(
        producers.start(
            "copy of " + ref + ":" + path,
            out -> naming(ref, () -> containers.copyOut(id, path, follow, out))));
  }

  /** A tar of container {@code ref}'s files. */
  @FunctionalInterface
  private interface TarOfFiles {
    void write() throws IOException;
  }

  /**
   * Runs {@code tar}, naming the container in the damage it meets; the tar names the file (the
   * store names the pack and the chunk).
   */
  private static void naming(String ref, TarOfFiles tar) throws IOException {
    try {
      tar.write();
    } catch (CorruptDataException e) {
      throw ContainerDamage.in(ref, e);
    }
  }

  private static Outcome download(InputStream tar) {
    CountingStream data = new CountingStream(tar);
    return new Outcome.Download(data, () -> new GetEnd(data.count()));
  }

  private Outcome copyIn(byte[] json) throws IOException {
    CopyInArgs args = Arguments.read(json, CopyInArgs.class, Opcode.CONTAINER_COPY_IN);
    String ref = ContainerOperations.required(args.container(), Opcode.CONTAINER_COPY_IN);
    String path = FileOperations.path(args.path(), Opcode.CONTAINER_COPY_IN);
    ContainerStore.CopyForm form = form(args.form());
    String id = containers.inspect(ref).id();
    // a DEST the tar cannot go to is refused before the upload; checked again under the lock
    ContainerStore.copyTarget(containers.view(id), path, form);
    Spool spool = Spool.create(tmp, null, "copy.tar");
    return new Outcome.Upload(
        new SpoolSink(
            spool,
            s -> {
              try (s) {
                RejectedException.ofContent(
                    () -> {
                      containers.copyIn(id, path, s.file(), form);
                      return null;
                    });
                return new Outcome.Reply(new PathReply(PathNames.normalize(path)));
              }
            }));
  }

  private static ContainerStore.CopyForm form(String form) {
    return switch (form) {
      case CopyInArgs.NAMED -> ContainerStore.CopyForm.NAMED;
      case CopyInArgs.CONTENT -> ContainerStore.CopyForm.CONTENT;
      case CopyInArgs.STREAM -> ContainerStore.CopyForm.STREAM;
      default ->
          throw new InvalidArgumentException(
              Opcode.CONTAINER_COPY_IN.label()
                  + ": form '"
                  + form
                  + "' is none of named, content, stream");
    };
  }
}
