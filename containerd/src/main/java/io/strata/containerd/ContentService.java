package io.strata.containerd;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.strata.containerd.api.content.AbortRequest;
import io.strata.containerd.api.content.ContentGrpc;
import io.strata.containerd.api.content.DeleteContentRequest;
import io.strata.containerd.api.content.Info;
import io.strata.containerd.api.content.InfoRequest;
import io.strata.containerd.api.content.InfoResponse;
import io.strata.containerd.api.content.ListContentRequest;
import io.strata.containerd.api.content.ListContentResponse;
import io.strata.containerd.api.content.ListStatusesRequest;
import io.strata.containerd.api.content.ListStatusesResponse;
import io.strata.containerd.api.content.ReadContentRequest;
import io.strata.containerd.api.content.ReadContentResponse;
import io.strata.containerd.api.content.StatusRequest;
import io.strata.containerd.api.content.StatusResponse;
import io.strata.containerd.api.content.UpdateRequest;
import io.strata.containerd.api.content.UpdateResponse;
import io.strata.containerd.api.content.WriteContentRequest;
import io.strata.containerd.api.content.WriteContentResponse;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.engine.RecipeInputStream;
import io.strata.store.ref.Root;
import io.strata.store.ref.RootChange;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.roaringbitmap.RoaringBitmap;

/**
 * {@code containerd.services.content.v1.Content} over the chunk store: each namespace's blobs are
 * {@link ContentRecord} roots holding their chunks, so content is deduplicated against images,
 * snapshots and other namespaces, and a blob's chunks live exactly as long as some namespace holds
 * it. Writes in progress are {@link Ingest}s, written by {@link ContentWrite} streams. Statuses
 * follow containerd's content service and local store: an unknown digest or ref is NOT_FOUND,
 * content already present ALREADY_EXISTS, a commit whose size or digest differ from the expected
 * FAILED_PRECONDITION, a write away from the current offset OUT_OF_RANGE, a ref another stream
 * writes UNAVAILABLE.
 */
final class ContentService extends ContentGrpc.ContentImplBase {
  /** Bytes per Read message (containerd reads and sends 1 MiB at a time). */
  static final int READ_CHUNK = 1 << 20;

  final ChunkStore chunks;
  private final Ingests ingests;
  private final Clock clock;

  ContentService(ChunkStore chunks, Ingests ingests, Clock clock) {
    this.chunks = chunks;
    this.ingests = ingests;
    this.clock = clock;
  }

  /** Blob {@code d} of namespace {@code ns}, or null. */
  ContentRecord find(String ns, Digest d) {
    Root r = chunks.root(ContentRecord.rootName(ns, d));
    return r == null ? null : ContentRecord.decode(d, r.payload(), r.name());
  }

  private ContentRecord get(String ns, String digest) {
    Digest d = digest(digest);
    ContentRecord c = find(ns, d);
    if (c == null) {
      throw ErrorCodes.notFound("content " + digest + " not found");
    }
    return c;
  }

  /** A sha256 digest; INVALID_ARGUMENT for anything else. */
  static Digest digest(String text) {
    if (!text.startsWith("sha256:")) {
      throw ErrorCodes.invalid("digest " + text + ": expected sha256: and 64 hex digits");
    }
    return Digest.parse(text);
  }

  @Override
  public void info(InfoRequest req, StreamObserver<InfoResponse> out) {
    Calls.unary(
        out,
        () ->
            InfoResponse.newBuilder()
                .setInfo(toProto(get(Namespaces.current(), req.getDigest())))
                .build());
  }

  @Override
  public void update(UpdateRequest req, StreamObserver<UpdateResponse> out) {
    Calls.unary(
        out,
        () -> {
          String ns = Namespaces.current();
          ContentRecord c = get(ns, req.getInfo().getDigest());
          Map<String, String> labels =
              Labels.update(
                  "content " + req.getInfo().getDigest(),
                  c.labels(),
                  req.getInfo().getLabelsMap(),
                  req.hasUpdateMask() ? req.getUpdateMask() : null);
          ContentRecord u = c.withLabels(labels, clock.instant());
          try (var session = chunks.session()) {
            session.commit(
                List.of(
                    new RootChange.Update(
                        ContentRecord.rootName(ns, c.digest()),
                        c.recipe().size(),
                        u.encode(),
                        new RoaringBitmap(),
                        new RoaringBitmap())));
          }
          return UpdateResponse.newBuilder().setInfo(toProto(u)).build();
        });
  }

  @Override
  public void list(ListContentRequest req, StreamObserver<ListContentResponse> out) {
    Calls.list(
        out,
        (List<Info> batch) -> ListContentResponse.newBuilder().addAllInfo(batch).build(),
        sink -> {
          String ns = Namespaces.current();
          Filters filters = Filters.parse(req.getFiltersList());
          String prefix = ContentRecord.prefix(ns);
          for (Root r : chunks.roots(prefix)) {
            Digest d = Digest.parse(r.name().substring(prefix.length()));
            Info i = toProto(ContentRecord.decode(d, r.payload(), r.name()));
            if (filters.matches(path -> field(i, path))) {
              sink.accept(i);
            }
          }
        });
  }

  /**
   * containerd's content filter fields: digest, size, labels.K. (present even when empty, as in
   * containerd's adaptors; a label is present when set).
   */
  private static String field(Info i, List<String> path) {
    String value =
        switch (path.get(0)) {
          case "digest" -> path.size() == 1 ? i.getDigest() : null;
          case "size" -> path.size() == 1 ? Long.toString(i.getSize()) : null;
          case "labels" -> path.size() == 2 ? i.getLabelsMap().get(path.get(1)) : null;
          default -> null;
        };
    return value;
  }

  @Override
  public void delete(DeleteContentRequest req, StreamObserver<Empty> out) {
    Calls.unary(
        out,
        () -> {
          String ns = Namespaces.current();
          ContentRecord c = get(ns, req.getDigest());
          try (var session = chunks.session()) {
            session.commit(List.of(new RootChange.Remove(ContentRecord.rootName(ns, c.digest()))));
          }
          return Empty.getDefaultInstance();
        });
  }

  /**
   * Streams {@code size} bytes (0: to the end) from {@code offset} in 1 MiB messages, as fast as
   * the client takes them: the next message is read from the store only when the call is ready.
   */
  @Override
  public void read(ReadContentRequest req, StreamObserver<ReadContentResponse> out) {
    ServerCallStreamObserver<ReadContentResponse> call =
        (ServerCallStreamObserver<ReadContentResponse>) out;
    InputStream in;
    long start;
    try {
      String ns = Namespaces.current();
      ContentRecord c = get(ns, req.getDigest());
      long size = c.recipe().size();
      start = Math.max(0, req.getOffset());
      if (start > size) {
        throw Status.OUT_OF_RANGE
            .withDescription(
                "content "
                    + req.getDigest()
                    + ": read at "
                    + start
                    + " past its "
                    + size
                    + " bytes")
            .asRuntimeException();
      }
      long end = req.getSize() <= 0 ? size : Math.min(size, start + req.getSize());
      in = new RecipeInputStream(chunks, c.recipe(), start, end, "content " + req.getDigest());
    } catch (RuntimeException e) {
      out.onError(ErrorCodes.toStatus(e));
      return;
    }
    Runnable pump =
        new Runnable() {
          private long offset = start;
          private boolean done;

          @Override
          public synchronized void run() {
            try {
              while (!done && call.isReady()) {
                byte[] buf = in.readNBytes(READ_CHUNK);
                if (buf.length == 0) {
                  done = true;
                  in.close();
                  call.onCompleted();
                  return;
                }
                call.onNext(
                    ReadContentResponse.newBuilder()
                        .setOffset(offset)
                        .setData(ByteString.copyFrom(buf))
                        .build());
                offset += buf.length;
              }
            } catch (IOException | RuntimeException e) {
              done = true;
              call.onError(ErrorCodes.toStatus(e));
            }
          }
        };
    call.setOnCancelHandler(
        () -> {
          try {
            in.close();
          } catch (IOException e) {
            // the call is gone; nothing to tell anyone
          }
        });
    call.setOnReadyHandler(pump);
    pump.run();
  }

  @Override
  public void status(StatusRequest req, StreamObserver<StatusResponse> out) {
    Calls.unary(
        out,
        () ->
            StatusResponse.newBuilder()
                .setStatus(toProto(ingests.get(Namespaces.current(), req.getRef())))
                .build());
  }

  @Override
  public void listStatuses(ListStatusesRequest req, StreamObserver<ListStatusesResponse> out) {
    Calls.unary(
        out,
        () -> {
          String ns = Namespaces.current();
          Filters filters = Filters.parse(req.getFiltersList());
          ListStatusesResponse.Builder b = ListStatusesResponse.newBuilder();
          for (Ingest i : ingests.list(ns)) {
            if (filters.matches(
                path -> path.size() == 1 && path.get(0).equals("ref") ? i.ref : null)) {
              b.addStatuses(toProto(i));
            }
          }
          return b.build();
        });
  }

  @Override
  public void abort(AbortRequest req, StreamObserver<Empty> out) {
    Calls.unary(
        out,
        () -> {
          ingests.abort(Namespaces.current(), req.getRef());
          return Empty.getDefaultInstance();
        });
  }

  @Override
  public StreamObserver<WriteContentRequest> write(StreamObserver<WriteContentResponse> out) {
    return new ContentWrite(this, ingests, clock, out);
  }

  private static Info toProto(ContentRecord c) {
    return Info.newBuilder()
        .setDigest(c.digest().toString())
        .setSize(c.recipe().size())
        .setCreatedAt(Times.of(c.created()))
        .setUpdatedAt(Times.of(c.updated()))
        .putAllLabels(c.labels())
        .build();
  }

  private static io.strata.containerd.api.content.Status toProto(Ingest i) {
    return io.strata.containerd.api.content.Status.newBuilder()
        .setRef(i.ref)
        .setOffset(i.offset())
        .setTotal(i.total)
        .setExpected(i.expected)
        .setStartedAt(Times.of(i.started))
        .setUpdatedAt(Times.of(i.updated))
        .build();
  }
}
