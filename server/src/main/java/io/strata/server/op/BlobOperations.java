package io.strata.server.op;

import io.strata.protocol.Opcode;
import io.strata.protocol.message.BlobItem;
import io.strata.protocol.message.DigestArgs;
import io.strata.protocol.message.GetArgs;
import io.strata.protocol.message.GetEnd;
import io.strata.protocol.message.ListEnd;
import io.strata.protocol.message.PutArgs;
import io.strata.protocol.message.PutReply;
import io.strata.protocol.message.StatReply;
import io.strata.store.blob.BlobService;
import io.strata.store.blob.BlobStat;
import io.strata.store.blob.BlobUpload;
import io.strata.store.blob.PutResult;
import io.strata.store.digest.Digest;
import io.strata.store.error.InvalidArgumentException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** {@code blob.put|get|stat|ls|rm} over the engine's {@link BlobService}. */
final class BlobOperations {
  private final BlobService blobs;
  private final Path tmp;

  /** The operations over {@code blobs}; a gzip blob put is spooled to {@code tmp}. */
  BlobOperations(BlobService blobs, Path tmp) {
    this.blobs = blobs;
    this.tmp = tmp;
  }

  void register(Map<Opcode, Operation> into) {
    into.put(Opcode.BLOB_PUT, this::put);
    into.put(Opcode.BLOB_GET, this::get);
    into.put(Opcode.BLOB_STAT, this::stat);
    into.put(Opcode.BLOB_LIST, this::list);
    into.put(Opcode.BLOB_REMOVE, this::remove);
  }

  private Outcome put(byte[] json) {
    PutArgs args = Arguments.read(json, PutArgs.class, Opcode.BLOB_PUT);
    if (args.size() != null && args.size() < 0) {
      throw new InvalidArgumentException("blob.put: size " + args.size() + " is negative");
    }
    return new Outcome.Upload(new PutSink(blobs.upload(tmp), args.size()));
  }

  private Outcome get(byte[] json) {
    GetArgs args = Arguments.read(json, GetArgs.class, Opcode.BLOB_GET);
    Digest digest = Arguments.digest(args.digest(), Opcode.BLOB_GET);
    if (args.offset() < 0) {
      throw new InvalidArgumentException(
          "blob " + digest + ": offset " + args.offset() + " is negative");
    }
    long length = args.length() == null || args.length() < 0 ? -1 : args.length();
    CountingStream data = new CountingStream(blobs.open(digest, args.offset(), length));
    return new Outcome.Download(data, () -> new GetEnd(data.count()));
  }

  private Outcome stat(byte[] json) {
    DigestArgs args = Arguments.read(json, DigestArgs.class, Opcode.BLOB_STAT);
    BlobStat s = blobs.stat(Arguments.digest(args.digest(), Opcode.BLOB_STAT));
    return new Outcome.Reply(
        new StatReply(s.digest().toString(), s.size(), s.chunks(), s.uniqueBytes()));
  }

  private Outcome list(byte[] json) {
    Arguments.read(json, Object.class, Opcode.BLOB_LIST);
    JsonLinesStream lines =
        new JsonLinesStream(
            blobs.list().stream()
                .map(e -> new BlobItem(e.digest().toString(), e.size()))
                .iterator());
    return new Outcome.Download(lines, () -> new ListEnd(lines.count()));
  }

  private Outcome remove(byte[] json) throws IOException {
    DigestArgs args = Arguments.read(json, DigestArgs.class, Opcode.BLOB_REMOVE);
    Digest digest = Arguments.digest(args.digest(), Opcode.BLOB_REMOVE);
    blobs.remove(digest);
    return new Outcome.Reply(new DigestArgs(digest.toString()));
  }

  /** One blob being uploaded; refuses a stream longer or shorter than the announced size. */
  private static final class PutSink implements UploadSink {
    private static final System.Logger LOG = System.getLogger(PutSink.class.getName());

    private final BlobUpload writer;
    private final Long expected;
    private long received;

    PutSink(BlobUpload writer, Long expected) {
      this.writer = writer;
      this.expected = expected;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      received += len;
      if (expected != null && received > expected) {
        throw new InvalidArgumentException(
            "blob.put: received more than the announced " + expected + " bytes");
      }
      writer.write(b, off, len);
    }

    @Override
    public Outcome finish() throws IOException {
      try {
        if (expected != null && received != expected) {
          throw new InvalidArgumentException(
              "blob.put: the upload ended after " + received + " of " + expected + " bytes");
        }
        PutResult r = writer.commit();
        return new Outcome.Reply(
            new PutReply(r.digest().toString(), r.size(), r.newChunks(), r.newBytes()));
      } catch (IOException | RuntimeException e) {
        // no abort follows a failed finish: the spool of a gzip blob goes now
        abort();
        throw e;
      }
    }

    @Override
    public void cancelRequested() {
      writer.cancel("the client cancelled");
    }

    @Override
    public void abort() {
      try {
        writer.close();
      } catch (IOException e) {
        LOG.log(System.Logger.Level.WARNING, "blob put: its spool cannot be deleted: {0}", e);
      }
    }
  }
}
