package io.strata.server.op;

import io.strata.client.StrataClient;
import io.strata.client.StrataClientException;
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
import io.strata.protocol.message.TransferArgs;
import io.strata.protocol.message.TransferProgress;
import io.strata.protocol.message.TransferReply;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.image.ImageRef;
import io.strata.store.image.ImageStore;
import io.strata.store.image.ImportResult;
import io.strata.store.transfer.ChunkIntake;
import io.strata.store.transfer.ChunkLists;
import io.strata.store.transfer.ChunkRecords;
import io.strata.store.transfer.ContentCut;
import io.strata.store.transfer.TransferPlan;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Images between hosts. {@code image.push} and {@code image.pull} are run by this server as a
 * client of the other stratad; the {@code transfer.*} requests are what it answers as that other
 * host. Either way the receiver gets the plan, says which chunks it lacks, and gets only those, in
 * batches of at most {@value #BATCH_BYTES} bytes, each verified and pinned as it lands: a transfer
 * that breaks off resumes from the last batch that arrived.
 */
final class HostTransfers {
  private static final System.Logger LOG = System.getLogger(HostTransfers.class.getName());
  private static final long BATCH_BYTES = 32L << 20;
  // A plan of 32 MiB lists about 900,000 chunks (some 55 GB of layers) and decodes to about 100
  // MB of heap: the most a peer may make us hold.
  private static final int MAX_UPLOAD_BYTES = 32 << 20;
  private static final Duration IDLE_PIN = Duration.ofDays(1);

  private final ImageStore images;
  private final ChunkStore chunks;
  private final Path tmp;
  private final ProducerThreads producers;

  /**
   * Also unpins the chunks of transfers given up on: those nothing was added to for {@link
   * #IDLE_PIN}, checked now and whenever a transfer to this server starts.
   */
  HostTransfers(ImageStore images, ChunkStore chunks, Path tmp, ProducerThreads producers)
      throws IOException {
    this.images = images;
    this.chunks = chunks;
    this.tmp = tmp;
    this.producers = producers;
    dropIdlePins();
  }

  private void dropIdlePins() throws IOException {
    int n = ChunkIntake.dropIdle(chunks, IDLE_PIN, Clock.systemUTC());
    if (n > 0) {
      LOG.log(System.Logger.Level.INFO, "unpinned {0} transfers idle for a day", n);
    }
  }

  void register(Map<Opcode, Operation> into) {
    into.put(Opcode.IMAGE_PUSH, this::push);
    into.put(Opcode.IMAGE_PULL, this::pull);
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
    return new Outcome.Reply(new CutReply(images.contentCut().text()));
  }

  private Outcome plan(byte[] json) throws IOException {
    PlanArgs a = Arguments.read(json, PlanArgs.class, Opcode.TRANSFER_PLAN);
    ContentCut cut = ContentCut.parse(required(a.cut(), "cut", Opcode.TRANSFER_PLAN));
    String image = required(a.image(), "image", Opcode.TRANSFER_PLAN);
    byte[] plan = images.transferPlan(image, cut).encode();
    return new Outcome.Download(new ByteArrayInputStream(plan), () -> new GetEnd(plan.length));
  }

  private Outcome chunks(byte[] json) {
    PlanArgs a = Arguments.read(json, PlanArgs.class, Opcode.TRANSFER_CHUNKS);
    ContentCut cut = ContentCut.parse(required(a.cut(), "cut", Opcode.TRANSFER_CHUNKS));
    String id = images.resolve(required(a.image(), "image", Opcode.TRANSFER_CHUNKS));
    return new Outcome.Upload(
        new MemorySink(
            MAX_UPLOAD_BYTES,
            "transfer.chunks: the list of chunks",
            list -> {
              Map<Digest, Integer> wanted =
                  RejectedException.ofContent(
                      () ->
                          ChunkLists.decode(
                              new ByteArrayInputStream(list), "transfer.chunks: the list"));
              Spooled records = spoolRecords(id, cut, wanted);
              ChunksEnd end = records.counts();
              return new Outcome.Download(records.open(), () -> end);
            }));
  }

  private Outcome offer(byte[] json) {
    Arguments.read(json, Object.class, Opcode.TRANSFER_OFFER);
    return new Outcome.Upload(
        new MemorySink(
            MAX_UPLOAD_BYTES,
            "transfer.offer: the plan",
            bytes -> {
              TransferPlan plan =
                  RejectedException.ofContent(
                      () ->
                          TransferPlan.decode(
                              new ByteArrayInputStream(bytes), "transfer.offer: the plan"));
              dropIdlePins();
              Map<Digest, Integer> missing = images.missing(plan);
              try (ChunkIntake intake = new ChunkIntake(chunks, plan)) { // pinned for put, apply
                intake.pinPresent(present(plan, missing));
              }
              Map<Digest, Integer> all = plan.chunks();
              byte[] list = ChunkLists.encode(missing);
              OfferReply r =
                  new OfferReply(
                      plan.id().toString(), missing.size(), bytes(missing), all.size(), bytes(all));
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
                  ChunkIntake intake = new ChunkIntake(chunks, plan)) {
                long size = Files.size(s.file());
                try (InputStream in = new BufferedInputStream(Files.newInputStream(s.file()))) {
                  RejectedException.ofContent(
                      () -> intake.accept(in, plan.chunks(), "the sending host"));
                }
                return new Outcome.Reply(new ChunksEnd(intake.chunks(), intake.bytes(), size));
              }
            }));
  }

  private Outcome apply(byte[] json) throws IOException {
    TransferPlan plan = offered(json, Opcode.TRANSFER_APPLY);
    ImportResult r = RejectedException.ofContent(() -> images.receive(plan));
    return new Outcome.Reply(ImageTarOperations.reply(r));
  }

  private TransferPlan offered(byte[] json, Opcode op) throws IOException {
    PlanRef a = Arguments.read(json, PlanRef.class, op);
    return ChunkIntake.offered(chunks, Digest.parse(required(a.plan(), "plan", op)));
  }

  // ---- as the client of the other host ----

  private Outcome pull(byte[] json) {
    TransferArgs a = Arguments.read(json, TransferArgs.class, Opcode.IMAGE_PULL);
    String image = required(a.image(), "image", Opcode.IMAGE_PULL);
    HostPort other = host(a, Opcode.IMAGE_PULL);
    return progressing("pull of " + image, progress -> pull(a, image, other, progress));
  }

  private TransferReply pull(TransferArgs a, String image, HostPort other, Progress progress)
      throws IOException {
    String where = "stratad at " + other;
    try (StrataClient remote = StrataClient.connect(other, token(a))) {
      ContentCut cut = images.contentCut();
      ByteArrayOutputStream planBytes = new ByteArrayOutputStream();
      long wire =
          remote.transferPlan(
              new PlanArgs(image, cut.text()),
              new CappedOutputStream(planBytes, MAX_UPLOAD_BYTES, "the plan from " + where));
      TransferPlan plan =
          RejectedException.ofContent(
              () ->
                  TransferPlan.decode(
                      new ByteArrayInputStream(planBytes.toByteArray()), "the plan from " + where));
      String id = plan.imageId().toString();
      checkAsked(plan, id, image, where);
      Map<Digest, Integer> all = plan.chunks();
      dropIdlePins();
      Map<Digest, Integer> missing = images.missing(plan);
      progress.start(bytes(missing));
      long chunksSent;
      long bytesSent;
      try (ChunkIntake intake = new ChunkIntake(chunks, plan)) {
        intake.pinPresent(present(plan, missing));
        for (Map<Digest, Integer> batch : batches(missing)) {
          wire += fetch(remote, new PlanArgs(id, cut.text()), batch, intake, all, where);
          progress.sent(bytes(batch));
        }
        chunksSent = intake.chunks();
        bytesSent = intake.bytes();
      }
      ImportResult r = RejectedException.ofContent(() -> images.receive(plan));
      return new TransferReply(
          r.images().get(0).id(), name(plan), chunksSent, all.size(), bytesSent, bytes(all), wire);
    } catch (StrataClientException e) {
      throw new RemoteFailure(e.status(), naming(where, other, e.getMessage()), e);
    }
  }

  /**
   * Fetches one batch into {@code intake}; returns the bytes it put on the wire. What arrived of a
   * batch that broke off is kept, so that the next try skips it.
   */
  private long fetch(
      StrataClient remote,
      PlanArgs args,
      Map<Digest, Integer> batch,
      ChunkIntake intake,
      Map<Digest, Integer> all,
      String where)
      throws IOException {
    byte[] list = ChunkLists.encode(batch);
    try (Spool spool = Spool.create(tmp, null, "chunks")) {
      ChunksEnd end;
      // A batch's records cannot exceed its chunks' bytes by more than their headers and what
      // compression adds to incompressible data.
      long most = 2 * bytes(batch) + 64L * batch.size();
      try (OutputStream out =
          new CappedOutputStream(
              new BufferedOutputStream(Files.newOutputStream(spool.file())),
              most,
              "the chunks from " + where)) {
        end = remote.transferChunks(args, o -> o.write(list), out);
      } catch (IOException | RuntimeException e) {
        keepWhatArrived(spool.file(), intake, all, where);
        throw e;
      }
      try (InputStream in = new BufferedInputStream(Files.newInputStream(spool.file()))) {
        RejectedException.ofContent(() -> intake.accept(in, all, where));
      }
      return list.length + end.bytes();
    }
  }

  private static void keepWhatArrived(
      Path spool, ChunkIntake intake, Map<Digest, Integer> all, String where) {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(spool))) {
      intake.accept(in, all, where);
    } catch (IOException | InvalidArgumentException | CorruptDataException e) {
      LOG.log(
          System.Logger.Level.DEBUG, "kept the whole chunks of a broken batch: {0}", e.toString());
    }
  }

  private Outcome push(byte[] json) throws IOException {
    TransferArgs a = Arguments.read(json, TransferArgs.class, Opcode.IMAGE_PUSH);
    String image = required(a.image(), "image", Opcode.IMAGE_PUSH);
    HostPort other = host(a, Opcode.IMAGE_PUSH);
    images.resolveFetching(image);
    return progressing("push of " + image, progress -> push(a, image, other, progress));
  }

  private TransferReply push(TransferArgs a, String image, HostPort other, Progress progress)
      throws IOException {
    String where = "stratad at " + other;
    try (StrataClient remote = StrataClient.connect(other, token(a))) {
      ContentCut cut =
          RejectedException.ofContent(() -> ContentCut.parse(remote.transferCut().cut()));
      TransferPlan plan = images.transferPlan(image, cut);
      String id = plan.imageId().toString();
      byte[] planBytes = plan.encode();
      ByteArrayOutputStream missingBytes = new ByteArrayOutputStream();
      OfferReply offer =
          remote.transferOffer(
              planBytes,
              new CappedOutputStream(
                  missingBytes, MAX_UPLOAD_BYTES, "the list of chunks " + where + " lacks"));
      Map<Digest, Integer> all = plan.chunks();
      Map<Digest, Integer> missing =
          RejectedException.ofContent(
              () ->
                  ChunkLists.decode(
                      new ByteArrayInputStream(missingBytes.toByteArray()),
                      "the list of chunks " + where + " lacks"));
      if (!all.keySet().containsAll(missing.keySet())) {
        throw new InvalidArgumentException(where + " asked for chunks the image does not have");
      }
      progress.start(bytes(missing));
      long wire = planBytes.length + missingBytes.size();
      long chunksSent = 0;
      long bytesSent = 0;
      for (Map<Digest, Integer> batch : batches(missing)) {
        // Read under the image lock into a spool, then sent without it: a receiver that stops
        // reading must not hold up this server's image changes.
        try (Spooled records = spoolRecords(id, cut, batch)) {
          ChunksEnd end =
              afterRelease(
                  remote,
                  planBytes,
                  () -> remote.transferPut(offer.plan(), out -> records.copyTo(out)));
          wire += end.bytes();
          chunksSent += end.chunks();
          bytesSent += end.rawBytes();
          progress.sent(end.rawBytes());
        }
      }
      afterRelease(remote, planBytes, () -> remote.transferApply(offer.plan()));
      return new TransferReply(id, name(plan), chunksSent, all.size(), bytesSent, bytes(all), wire);
    } catch (StrataClientException e) {
      throw new RemoteFailure(e.status(), naming(where, other, e.getMessage()), e);
    }
  }

  /** Where a push or pull tells how far it is: lines of {@code TransferProgress}. */
  private static final class Progress {
    private final Consumer<String> lines;
    private long toSend;
    private long sent;

    Progress(Consumer<String> lines) {
      this.lines = lines;
    }

    void start(long bytesToSend) {
      toSend = bytesToSend;
      emit();
    }

    void sent(long bytes) {
      sent += bytes;
      emit();
    }

    private void emit() {
      lines.accept(
          new String(Json.write(new TransferProgress(sent, toSend)), StandardCharsets.UTF_8));
    }
  }

  /** A push or pull, run on a producer thread. */
  @FunctionalInterface
  private interface HostTransfer {
    TransferReply run(Progress progress) throws IOException;
  }

  /**
   * Runs {@code transfer} off the request's thread, its progress lines as the download's DATA (sent
   * as they come) and its result as the answer.
   */
  private Outcome progressing(String what, HostTransfer transfer) {
    AtomicReference<TransferReply> result = new AtomicReference<>();
    InputStream lines =
        producers.start(
            what, out -> result.set(transfer.run(new Progress(ProducedStream.lines(out)))));
    return new Outcome.Download(lines, result::get, true);
  }

  // ---- helpers ----

  /** A request to the other host about an offered plan. */
  @FunctionalInterface
  private interface PlanCall<T> {
    T call() throws IOException;
  }

  /**
   * Runs {@code call}; if the other host no longer knows the plan because another push of the same
   * image finished first and released it, offers the plan again (it then lacks nothing this push
   * has sent) and runs {@code call} once more.
   */
  private static <T> T afterRelease(StrataClient remote, byte[] plan, PlanCall<T> call)
      throws IOException {
    try {
      return call.call();
    } catch (StrataClientException e) {
      if (e.status() != Status.NOT_FOUND) {
        throw e;
      }
      remote.transferOffer(plan, OutputStream.nullOutputStream());
      return call.call();
    }
  }

  /** A batch of chunk records in a spool file, and their counts. */
  private record Spooled(Spool spool, ChunksEnd counts) implements AutoCloseable {
    void copyTo(OutputStream out) throws IOException {
      Files.copy(spool.file(), out);
    }

    /** The records as a stream that deletes the spool when closed. */
    InputStream open() throws IOException {
      return new FilterInputStream(new BufferedInputStream(Files.newInputStream(spool.file()))) {
        @Override
        public void close() throws IOException {
          try {
            super.close();
          } finally {
            spool.close();
          }
        }
      };
    }

    @Override
    public void close() throws IOException {
      spool.close();
    }
  }

  /**
   * The records of {@code batch} of image {@code id}, written to a spool: the image store's lock is
   * held while the chunks are read, not while they cross the network.
   */
  private Spooled spoolRecords(String id, ContentCut cut, Map<Digest, Integer> batch)
      throws IOException {
    Spool spool = Spool.create(tmp, null, "records");
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(spool.file()))) {
      ChunkRecords.Writer w = new ChunkRecords.Writer(out, chunks.compression());
      images.sendChunks(id, cut, batch, w);
      w.flush();
      return new Spooled(spool, new ChunksEnd(w.chunks(), w.rawBytes(), w.wireBytes()));
    } catch (IOException | RuntimeException e) {
      spool.close();
      throw e;
    }
  }

  /** The chunks of {@code plan} this store has: all but {@code missing}. */
  private static List<Digest> present(TransferPlan plan, Map<Digest, Integer> missing) {
    return plan.chunks().keySet().stream().filter(d -> !missing.containsKey(d)).toList();
  }

  /**
   * Refuses a plan the other host sent for another image than the one asked for: named otherwise
   * than the name asked for, or (asked by id) with another id.
   */
  /**
   * {@code message} about host {@code other}, prefixed with {@code where} unless it names the host
   * already ("cannot reach stratad at HOST", "HOST is not a Strata server"): one prefix, not two.
   */
  private static String naming(String where, HostPort other, String message) {
    return message != null && message.contains(other.toString()) ? message : where + ": " + message;
  }

  private static void checkAsked(TransferPlan plan, String id, String asked, String where) {
    String hex = asked.startsWith("sha256:") ? asked.substring(7) : asked;
    boolean byId = hex.length() >= 4 && hex.matches("[0-9a-f]+") && id.substring(7).startsWith(hex);
    boolean byName = !plan.name().isEmpty() && plan.name().equals(normalized(asked));
    if (!byId && !byName) {
      throw RejectedException.of(
          where + " answered for " + asked + " with image " + id + " named '" + plan.name() + "'");
    }
  }

  private static String normalized(String ref) {
    try {
      return ImageRef.parse(ref).toString();
    } catch (InvalidArgumentException e) {
      return ref;
    }
  }

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

  private static String name(TransferPlan plan) {
    return plan.name().isEmpty() ? null : plan.name();
  }

  private static long bytes(Map<Digest, Integer> chunks) {
    return chunks.values().stream().mapToLong(Integer::longValue).sum();
  }

  /** {@code chunks} in plan order, cut into batches of at most {@link #BATCH_BYTES}. */
  private static List<Map<Digest, Integer>> batches(Map<Digest, Integer> chunks) {
    List<Map<Digest, Integer>> out = new ArrayList<>();
    Map<Digest, Integer> cur = new LinkedHashMap<>();
    long size = 0;
    for (Map.Entry<Digest, Integer> e : chunks.entrySet()) {
      if (size + e.getValue() > BATCH_BYTES && !cur.isEmpty()) {
        out.add(cur);
        cur = new LinkedHashMap<>();
        size = 0;
      }
      cur.put(e.getKey(), e.getValue());
      size += e.getValue();
    }
    if (!cur.isEmpty()) {
      out.add(cur);
    }
    return out;
  }

  private static String required(String value, String name, Opcode op) {
    if (value == null || value.isEmpty()) {
      throw new InvalidArgumentException(op.label() + ": the argument " + name + " is missing");
    }
    return value;
  }
}
