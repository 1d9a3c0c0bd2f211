package io.strata.server.op;

import io.strata.protocol.HostPort;
import io.strata.protocol.Opcode;
import io.strata.protocol.Status;
import io.strata.protocol.message.ChunksEnd;
import io.strata.protocol.message.CutReply;
import io.strata.protocol.message.GetEnd;
import io.strata.protocol.message.Json;
import io.strata.protocol.message.OfferReply;
import io.strata.protocol.message.PlanArgs;
import io.strata.protocol.message.PlanRef;
import io.strata.protocol.message.RegistryPullArgs;
import io.strata.protocol.message.TransferArgs;
import io.strata.protocol.message.TransferProgress;
import io.strata.protocol.message.TransferReply;
import io.strata.protocol.registry.RegistryException;
import io.strata.protocol.registry.RegistryRef;
import io.strata.server.registry.HttpChunkIndexSource;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.RejectedException;
import io.strata.store.hosts.ImagePull;
import io.strata.store.hosts.ImagePush;
import io.strata.store.hosts.PlanNotOfferedException;
import io.strata.store.hosts.ProgressListener;
import io.strata.store.hosts.RecordCounts;
import io.strata.store.hosts.RegistryChunkPull;
import io.strata.store.hosts.SpooledRecords;
import io.strata.store.hosts.TransferEndpoint;
import io.strata.store.hosts.TransferHost;
import io.strata.store.hosts.TransferSummary;
import io.strata.store.image.ImageStore;
import io.strata.store.transfer.ChunkLists;
import io.strata.store.transfer.ContentCut;
import io.strata.store.transfer.TransferPlan;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The opcodes of images between hosts, over {@code store.hosts}. {@code image.push} and {@code
 * image.pull} run {@link ImagePush} and {@link ImagePull} with the other stratad as their peer
 * ({@link StratadPeer}); the {@code transfer.*} requests are what {@link TransferEndpoint} answers
 * as that other host. Here: arguments, uploads, replies and statuses only.
 */
final class HostTransferOperations {
  private final Path tmp;
  private final ProducerThreads producers;
  private final TransferEndpoint endpoint;
  private final ImagePush push;
  private final ImagePull pull;
  private final RegistryChunkPull registryPull;

  /** Also unpins the chunks of transfers given up on (see {@link TransferHost#dropIdlePins}). */
  HostTransferOperations(ImageStore images, ChunkStore chunks, Path tmp, ProducerThreads producers)
      throws IOException {
    TransferHost host = new TransferHost(images, chunks, tmp);
    this.tmp = tmp;
    this.producers = producers;
    this.endpoint = new TransferEndpoint(host);
    this.push = new ImagePush(host);
    this.pull = new ImagePull(host);
    this.registryPull = new RegistryChunkPull(host);
  }

  void register(Map<Opcode, Operation> into) {
    into.put(Opcode.IMAGE_PUSH, this::push);
    into.put(Opcode.IMAGE_PULL, this::pull);
    into.put(Opcode.REGISTRY_PULL, this::registryPull);
    into.put(Opcode.TRANSFER_CUT, this::cut);
    into.put(Opcode.TRANSFER_PLAN, this::plan);
    into.put(Opcode.TRANSFER_CHUNKS, this::chunks);
    into.put(Opcode.TRANSFER_OFFER, this::offer);
    into.put(Opcode.TRANSFER_PUT, this::put);
    into.put(Opcode.TRANSFER_APPLY, this::apply);
  }

  // ---- as the other host ----

  private Outcome cut(byte[] json) {
    Arguments.read(json, Object.class, Opcode.TRANSFER_CUT);
    return new Outcome.Reply(new CutReply(endpoint.cut().text()));
  }

  private Outcome plan(byte[] json) throws IOException {
    PlanArgs a = Arguments.read(json, PlanArgs.class, Opcode.TRANSFER_PLAN);
    ContentCut cut = ContentCut.parse(required(a.cut(), "cut", Opcode.TRANSFER_PLAN));
    byte[] plan = endpoint.plan(required(a.image(), "image", Opcode.TRANSFER_PLAN), cut);
    return new Outcome.Download(new ByteArrayInputStream(plan), () -> new GetEnd(plan.length));
  }

  private Outcome chunks(byte[] json) {
    PlanArgs a = Arguments.read(json, PlanArgs.class, Opcode.TRANSFER_CHUNKS);
    ContentCut cut = ContentCut.parse(required(a.cut(), "cut", Opcode.TRANSFER_CHUNKS));
    String image = required(a.image(), "image", Opcode.TRANSFER_CHUNKS);
    return new Outcome.Upload(
        new MemorySink(
            TransferHost.MAX_LIST_BYTES,
            "transfer.chunks: the list of chunks",
            list -> {
              Map<Digest, Integer> wanted =
                  RejectedException.ofContent(
                      () ->
                          ChunkLists.decode(
                              new ByteArrayInputStream(list), "transfer.chunks: the list"));
              SpooledRecords records = endpoint.records(image, cut, wanted);
              RecordCounts c = records.counts();
              ChunksEnd end = new ChunksEnd(c.chunks(), c.rawBytes(), c.bytes());
              return new Outcome.Download(records.open(), () -> end);
            }));
  }

  private Outcome offer(byte[] json) {
    Arguments.read(json, Object.class, Opcode.TRANSFER_OFFER);
    return new Outcome.Upload(
        new MemorySink(
            TransferHost.MAX_LIST_BYTES,
            "transfer.offer: the plan",
            bytes -> {
              TransferPlan plan =
                  RejectedException.ofContent(
                      () ->
                          TransferPlan.decode(
                              new ByteArrayInputStream(bytes), "transfer.offer: the plan"));
              TransferEndpoint.Offer o = endpoint.offer(plan);
              byte[] list = o.list();
              OfferReply r =
                  new OfferReply(
                      o.planId().toString(),
                      o.missing().size(),
                      o.missingBytes(),
                      o.all().size(),
                      o.allBytes());
              return new Outcome.Download(new ByteArrayInputStream(list), () -> r);
            }));
  }

  private Outcome put(byte[] json) throws IOException {
    TransferPlan plan = offered(json, Opcode.TRANSFER_PUT);
    Spool spool = Spool.create(tmp, null, "chunks");
    return new Outcome.Upload(
        new SpoolSink(
            spool,
            s -> {
              try (s;
                  InputStream in = new BufferedInputStream(Files.newInputStream(s.file()))) {
                long size = Files.size(s.file());
                RecordCounts c = RejectedException.ofContent(() -> endpoint.put(plan, in, size));
                return new Outcome.Reply(new ChunksEnd(c.chunks(), c.rawBytes(), c.bytes()));
              }
            }));
  }

  private Outcome apply(byte[] json) throws IOException {
    TransferPlan plan = offered(json, Opcode.TRANSFER_APPLY);
    return new Outcome.Reply(
        ImageTarOperations.reply(RejectedException.ofContent(() -> endpoint.apply(plan))));
  }

  private TransferPlan offered(byte[] json, Opcode op) throws IOException {
    PlanRef a = Arguments.read(json, PlanRef.class, op);
    return endpoint.offered(Digest.parse(required(a.plan(), "plan", op)));
  }

  // ---- as the client of the other host ----

  private Outcome pull(byte[] json) {
    TransferArgs a = Arguments.read(json, TransferArgs.class, Opcode.IMAGE_PULL);
    String image = required(a.image(), "image", Opcode.IMAGE_PULL);
    HostPort other = host(a, Opcode.IMAGE_PULL);
    return progressing(
        "pull of " + image, a, other, (peer, progress) -> pull.run(image, peer, progress));
  }

  private Outcome push(byte[] json) throws IOException {
    TransferArgs a = Arguments.read(json, TransferArgs.class, Opcode.IMAGE_PUSH);
    String image = required(a.image(), "image", Opcode.IMAGE_PUSH);
    HostPort other = host(a, Opcode.IMAGE_PUSH);
    push.resolve(image);
    return progressing(
        "push of " + image, a, other, (peer, progress) -> push.run(image, peer, progress));
  }

  /**
   * A pull from a Strata registry through its chunk index (the registry is the peer, over HTTP);
   * {@code UNIMPLEMENTED} when it publishes none for the image, so the client pulls the ordinary
   * way.
   */
  private Outcome registryPull(byte[] json) {
    RegistryPullArgs a = Arguments.read(json, RegistryPullArgs.class, Opcode.REGISTRY_PULL);
    String text = required(a.reference(), "reference", Opcode.REGISTRY_PULL);
    RegistryRef ref;
    try {
      ref = RegistryRef.parse(text);
    } catch (IllegalArgumentException e) {
      throw new InvalidArgumentException(Opcode.REGISTRY_PULL.label() + ": " + e.getMessage());
    }
    String tag = ref.reference().startsWith("sha256:") ? null : ref.toString();
    AtomicReference<TransferReply> result = new AtomicReference<>();
    InputStream lines =
        producers.start(
            "pull of " + ref,
            out -> {
              ProgressListener progress = new ProgressLines(ProducedStream.lines(out));
              HttpChunkIndexSource source = new HttpChunkIndexSource(ref, a.plainHttp(), a.token());
              TransferSummary s;
              try {
                s =
                    registryPull.run(
                        ref.reference(),
                        tag,
                        ref.registry() + "/" + ref.repository(),
                        source,
                        progress);
              } catch (RegistryException e) {
                // unreachable or refusing: as another stratad would be (exit 3), as a build's is
                if (e.unreachable() || e.refused()) {
                  throw new RemoteFailure(
                      e.unreachable() ? Status.UNAVAILABLE : Status.UNAUTHENTICATED,
                      e.getMessage(),
                      e);
                }
                throw e;
              }
              if (s == null) {
                throw new RemoteFailure(
                    Status.UNIMPLEMENTED,
                    source.name() + " publishes no chunk index for " + ref.reference(),
                    null);
              }
              result.set(reply(s));
            });
    return new Outcome.Download(lines, result::get, true);
  }

  /** A push or pull against a connected peer. */
  @FunctionalInterface
  private interface HostTransfer {
    TransferSummary run(StratadPeer peer, ProgressListener progress) throws IOException;
  }

  /**
   * Runs {@code transfer} with the stratad at {@code other} off the request's thread, its progress
   * lines as the download's DATA (sent as they come) and its result as the answer.
   */
  private Outcome progressing(String what, TransferArgs a, HostPort other, HostTransfer transfer) {
    AtomicReference<TransferReply> result = new AtomicReference<>();
    InputStream lines =
        producers.start(
            what,
            out -> {
              ProgressListener progress = new ProgressLines(ProducedStream.lines(out));
              try (StratadPeer peer = StratadPeer.connect(other, token(a))) {
                result.set(reply(transfer.run(peer, progress)));
              } catch (PlanNotOfferedException e) {
                // offered again and still unknown: NOT_FOUND as the other host answered it
                throw new RemoteFailure(Status.NOT_FOUND, e.getMessage(), e);
              }
            });
    return new Outcome.Download(lines, result::get, true);
  }

  private static TransferReply reply(TransferSummary s) {
    return new TransferReply(
        s.id(),
        s.tag(),
        s.chunksSent(),
        s.chunksTotal(),
        s.bytesSent(),
        s.bytesTotal(),
        s.wireBytes());
  }

  /** Progress as lines of {@code TransferProgress}. */
  private static final class ProgressLines implements ProgressListener {
    private final Consumer<String> lines;
    private long toSend;
    private long sent;

    ProgressLines(Consumer<String> lines) {
      this.lines = lines;
    }

    @Override
    public void start(long bytesToSend) {
      toSend = bytesToSend;
      emit();
    }

    @Override
    public void sent(long bytes) {
      sent += bytes;
      emit();
    }

    private void emit() {
      lines.accept(
          new String(Json.write(new TransferProgress(sent, toSend)), StandardCharsets.UTF_8));
    }
  }

  // ---- arguments ----

  private static HostPort host(TransferArgs a, Opcode op) {
    String text = required(a.host(), "host", op);
    try {
      return HostPort.parse(text);
    } catch (IllegalArgumentException e) {
      throw new InvalidArgumentException(op.label() + ": host " + text + ": " + e.getMessage());
    }
  }

  private static byte[] token(TransferArgs a) {
    return a.token() == null ? null : a.token().getBytes(StandardCharsets.UTF_8);
  }

  private static String required(String value, String name, Opcode op) {
    if (value == null || value.isEmpty()) {
      throw new InvalidArgumentException(op.label() + ": the argument " + name + " is missing");
    }
    return value;
  }
}
