package io.strata.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.protocol.FrameType;
import io.strata.protocol.Hello;
import io.strata.protocol.HostPort;
import io.strata.protocol.Opcode;
import io.strata.protocol.ProtocolException;
import io.strata.protocol.RequestHeader;
import io.strata.protocol.ResponseHeader;
import io.strata.protocol.Status;
import io.strata.protocol.Welcome;
import io.strata.protocol.Wire;
import io.strata.protocol.message.BlobItem;
import io.strata.protocol.message.BuildArgs;
import io.strata.protocol.message.BuildPruneArgs;
import io.strata.protocol.message.BuildPruneReply;
import io.strata.protocol.message.ChangeItem;
import io.strata.protocol.message.ChunksEnd;
import io.strata.protocol.message.CommitArgs;
import io.strata.protocol.message.CommitReply;
import io.strata.protocol.message.ContainerArgs;
import io.strata.protocol.message.ContainerInspectReply;
import io.strata.protocol.message.ContainerItem;
import io.strata.protocol.message.ContainerPruneArgs;
import io.strata.protocol.message.ContainerPruneReply;
import io.strata.protocol.message.ContainerRemoveArgs;
import io.strata.protocol.message.ContainerReply;
import io.strata.protocol.message.CopyInArgs;
import io.strata.protocol.message.CopyOutArgs;
import io.strata.protocol.message.CreateArgs;
import io.strata.protocol.message.CreateReply;
import io.strata.protocol.message.CutReply;
import io.strata.protocol.message.DamageItem;
import io.strata.protocol.message.DigestArgs;
import io.strata.protocol.message.DiskUsageReply;
import io.strata.protocol.message.ErrorBody;
import io.strata.protocol.message.ExportArgs;
import io.strata.protocol.message.FileItem;
import io.strata.protocol.message.FsChangeArgs;
import io.strata.protocol.message.FsckEnd;
import io.strata.protocol.message.FsckReply;
import io.strata.protocol.message.GcReply;
import io.strata.protocol.message.GetArgs;
import io.strata.protocol.message.GetEnd;
import io.strata.protocol.message.HeldArgs;
import io.strata.protocol.message.HeldReply;
import io.strata.protocol.message.HistoryItem;
import io.strata.protocol.message.ImageArgs;
import io.strata.protocol.message.ImageItem;
import io.strata.protocol.message.ImagePruneArgs;
import io.strata.protocol.message.ImportArgs;
import io.strata.protocol.message.ImportReply;
import io.strata.protocol.message.InfoReply;
import io.strata.protocol.message.InspectReply;
import io.strata.protocol.message.Json;
import io.strata.protocol.message.JsonRecords;
import io.strata.protocol.message.ListEnd;
import io.strata.protocol.message.MountArgs;
import io.strata.protocol.message.MountReply;
import io.strata.protocol.message.OfferReply;
import io.strata.protocol.message.PathArgs;
import io.strata.protocol.message.PathReply;
import io.strata.protocol.message.PlanArgs;
import io.strata.protocol.message.PlanRef;
import io.strata.protocol.message.PutArgs;
import io.strata.protocol.message.PutReply;
import io.strata.protocol.message.ReadArgs;
import io.strata.protocol.message.RegistryPullArgs;
import io.strata.protocol.message.RemoveReply;
import io.strata.protocol.message.StatReply;
import io.strata.protocol.message.TagArgs;
import io.strata.protocol.message.TagReply;
import io.strata.protocol.message.TransferArgs;
import io.strata.protocol.message.TransferProgress;
import io.strata.protocol.message.TransferReply;
import io.strata.protocol.message.VolumeArgs;
import io.strata.protocol.message.VolumeItem;
import io.strata.protocol.message.VolumePruneArgs;
import io.strata.protocol.message.VolumePruneReply;
import io.strata.protocol.message.WriteArgs;
import io.strata.protocol.message.WriteReply;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A blocking client of one stratad over one connection, safe for many threads: each call is a
 * stream of its own, so calls from several threads are in flight at once (up to the server's {@code
 * maxStreams}; a call beyond that waits for one to finish), their frames interleaved on the wire
 * and each reply routed to its caller by a reader thread ({@link ReplyRouter}). A slow request does
 * not hold up the others. Payloads stream in DATA frames of {@link Wire#DATA_CHUNK} bytes, a
 * download's waiting DATA bounded per stream ({@link StreamInbox#WINDOW}), so nothing holds a whole
 * object in memory. A call's sinks and listeners run on its caller's thread; they must not wait for
 * another call on the same client. Every failure is a {@link StrataClientException} carrying the
 * protocol status, or an {@link IOException} of the caller's own streams; a failed connection (or
 * {@link #close}) fails every call in flight.
 */
public final class StrataClient implements Closeable {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** As long as a server gives a client to finish the handshake. */
  private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  private final HostPort address;
  private final FrameConnection connection;
  private final Welcome welcome;
  private final ReplyRouter router;

  /** Whether replies are read with {@link JsonRecords} rather than {@link Json#read}. */
  private final boolean streaming;

  private StrataClient(
      HostPort address, FrameConnection connection, Welcome welcome, boolean streaming) {
    this.address = address;
    this.connection = connection;
    this.welcome = welcome;
    this.streaming = streaming;
    this.router = new ReplyRouter(connection, address, welcome.maxStreams(), streaming);
    router.start();
  }

  /**
   * Connects, agrees on the protocol version and authenticates with {@code token} (null: none).
   * Failing to reach the server or to authenticate throws {@link Status#UNAVAILABLE} or {@link
   * Status#UNAUTHENTICATED}.
   */
  public static StrataClient connect(HostPort address, byte[] token) throws StrataClientException {
    return connect(address, token, false);
  }

  /**
   * {@link #connect(HostPort, byte[])} whose replies, with {@code streaming}, are read by {@link
   * JsonRecords}: the same values and errors without starting jackson-databind, for the CLI's quick
   * path (docs/PERF.md, "CLI startup"). Requests with arguments still write them with {@link Json}.
   */
  public static StrataClient connect(HostPort address, byte[] token, boolean streaming)
      throws StrataClientException {
    try {
      return connect(address, token, streaming, true);
    } catch (StrataClientException e) {
      // A server from before 2026-12-05 takes a HELLO of exactly 8 bytes and refuses the padded
      // one with these words: it speaks the same protocol version otherwise, so ask again without
      // the padding rather than fail every command with words about payload sizes (AI5).
      if (e.getMessage() != null && e.getMessage().contains("hello: payload has")) {
        return connect(address, token, streaming, false);
      }
      throw e;
    }
  }

  private static StrataClient connect(
      HostPort address, byte[] token, boolean streaming, boolean padded)
      throws StrataClientException {
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.connect(
          new InetSocketAddress(address.host(), address.port()), (int) CONNECT_TIMEOUT.toMillis());
    } catch (UnknownHostException e) {
      closeQuietly(socket);
      throw new StrataClientException(
          Status.UNAVAILABLE, "cannot reach stratad at " + address + ": unknown host", e);
    } catch (IOException e) {
      closeQuietly(socket);
      throw new StrataClientException(
          Status.UNAVAILABLE, "cannot reach stratad at " + address + ": " + e.getMessage(), e);
    }
    try {
      FrameConnection c = new FrameConnection(socket);
      socket.setSoTimeout((int) HANDSHAKE_TIMEOUT.toMillis());
      Welcome w = handshake(address, c, token, streaming, padded);
      socket.setSoTimeout(0);
      return new StrataClient(address, c, w, streaming);
    } catch (StrataClientException e) {
      closeQuietly(socket);
      throw e;
    } catch (IOException e) {
      closeQuietly(socket);
      throw new StrataClientException(
          Status.UNAVAILABLE,
          "stratad at " + address + " broke off the handshake: " + describe(e),
          e);
    }
  }

  private static Welcome handshake(
      HostPort address, FrameConnection c, byte[] token, boolean streaming, boolean padded)
      throws IOException {
    Hello hello = Hello.current();
    c.send(
        FrameType.HELLO, Wire.CONNECTION_STREAM, padded ? hello.encode() : hello.encodeUnpadded());
    Welcome w;
    try {
      InboundFrame f = c.read();
      if (f.type() == FrameType.RESPONSE && f.stream() == Wire.CONNECTION_STREAM) {
        throw connectionError(address, f, streaming);
      }
      if (f.type() != FrameType.WELCOME) {
        throw new ProtocolException("expected WELCOME, got " + f.type());
      }
      w = Welcome.decode(ByteBuffer.wrap(f.payload()));
    } catch (ProtocolException | EOFException | SocketTimeoutException e) {
      // the first answer is not a WELCOME: an HTTP server, another protocol, or silence
      throw notStrata(address, c, e);
    }
    if (w.version() != Wire.VERSION) {
      throw new StrataClientException(
          Status.UNSUPPORTED_VERSION,
          "stratad at "
              + address
              + " speaks protocol version "
              + w.version()
              + ", not "
              + Wire.VERSION);
    }
    if (!w.tokenRequired()) {
      return w;
    }
    if (token == null) {
      throw new StrataClientException(
          Status.UNAUTHENTICATED,
          "stratad at " + address + " requires a token: give --token-file or STRATA_TOKEN_FILE");
    }
    c.send(FrameType.AUTH, Wire.CONNECTION_STREAM, token);
    InboundFrame a = c.read();
    if (a.type() == FrameType.RESPONSE) {
      throw connectionError(address, a, streaming);
    }
    if (a.type() != FrameType.AUTH_OK) {
      throw new ProtocolException("expected AUTH_OK, got " + a.type());
    }
    return w;
  }

  /**
   * The error for a peer whose answer to HELLO is no Strata frame: names the address and quotes the
   * start of what it sent (an HTTP status line, say).
   */
  private static StrataClientException notStrata(
      HostPort address, FrameConnection c, IOException e) {
    String answered = c.receivedText();
    String why =
        e instanceof SocketTimeoutException
            ? "no answer to the handshake within " + HANDSHAKE_TIMEOUT.toSeconds() + " s"
            : answered.isEmpty()
                ? "it closed the connection without answering the handshake"
                : "it answered \"" + answered + "\"";
    return new StrataClientException(
        Status.UNAVAILABLE, address + " is not a Strata server (" + why + ")", e);
  }

  static StrataClientException connectionError(HostPort address, InboundFrame f, boolean streaming)
      throws ProtocolException {
    ResponseHeader r = ResponseHeader.decode(ByteBuffer.wrap(f.payload()));
    String message = read(streaming, r.body(), ErrorBody.class, "error").message();
    return new StrataClientException(r.status(), "stratad at " + address + ": " + message);
  }

  /** The server's name and version as it announced them. */
  public String serverName() {
    return welcome.server();
  }

  /** The store's figures. */
  public InfoReply info() throws IOException {
    return unary(Opcode.INFO, null, InfoReply.class);
  }

  /** Collects unreferenced chunks. */
  public GcReply gc() throws IOException {
    return unary(Opcode.GC, null, GcReply.class);
  }

  /** {@code gc} after removing {@code forgetNodes} from a shared store's fleet. */
  public GcReply gc(java.util.List<String> forgetNodes) throws IOException {
    return unary(Opcode.GC, new io.strata.protocol.message.GcArgs(forgetNodes), GcReply.class);
  }

  /** Re-reads and re-hashes every chunk; the report lists damage, it does not throw for it. */
  public FsckReply fsck() throws IOException {
    List<DamageItem> damaged = new ArrayList<>();
    FsckEnd end =
        listing(
            Opcode.FSCK,
            null,
            line -> damaged.add(Json.read(line, DamageItem.class, "fsck line")),
            FsckEnd.class);
    return new FsckReply(end.chunksChecked(), damaged, end.notes());
  }

  /** Size, chunk count and exclusive bytes of blob {@code digest}. */
  public StatReply stat(String digest) throws IOException {
    return unary(Opcode.BLOB_STAT, new DigestArgs(digest), StatReply.class);
  }

  /** Removes blob {@code digest}; its chunks go at the next gc unless shared. */
  public void remove(String digest) throws IOException {
    unary(Opcode.BLOB_REMOVE, new DigestArgs(digest), DigestArgs.class);
  }

  /** Every blob, by digest. */
  public List<BlobItem> list() throws IOException {
    return items(Opcode.BLOB_LIST, null, BlobItem.class);
  }

  /** The storage driver's own view of its subvolumes or datasets, one JSON object each. */
  public List<JsonNode> driverList() throws IOException {
    return items(Opcode.DRIVER_LIST, null, JsonNode.class);
  }

  /**
   * The driver's properties ({@code get}, {@code set}, {@code inherit}) or one snapshot's details
   * ({@code show}), one JSON object each.
   */
  public List<JsonNode> driverProperty(io.strata.protocol.message.DriverPropertyArgs args)
      throws IOException {
    return items(Opcode.DRIVER_PROPERTY, args, JsonNode.class);
  }

  /**
   * {@code zfs set} of every assignment on every name, all or nothing; the rows of what was set,
   * one JSON object each.
   */
  public List<JsonNode> driverSet(io.strata.protocol.message.DriverSetArgs args)
      throws IOException {
    return items(Opcode.DRIVER_SET, args, JsonNode.class);
  }

  /**
   * Stores everything {@code in} yields as one blob. {@code size} is the length the caller expects
   * to send (null when unknown): the server refuses the blob if the stream ends elsewhere.
   */
  public PutReply put(InputStream in, Long size, TransferListener progress) throws IOException {
    StreamInbox stream = begin(Opcode.BLOB_PUT, new PutArgs(size));
    upload(stream, Opcode.BLOB_PUT, in::transferTo, progress);
    return reply(stream, Opcode.BLOB_PUT, null, PutReply.class);
  }

  /**
   * Writes the bytes of blob {@code digest} from {@code offset} ({@code length} of them at most,
   * negative: to the end) to {@code out}; returns how many. If {@code out} fails, the connection is
   * dropped and the failure rethrown.
   */
  public long get(
      String digest, long offset, long length, OutputStream out, TransferListener progress)
      throws IOException {
    return download(
        Opcode.BLOB_GET,
        new GetArgs(digest, offset, length < 0 ? null : length),
        digest,
        out,
        progress);
  }

  // ---- images ----

  /** Imports the archive {@code body} writes (see {@link ImportArgs}). */
  public ImportReply importImage(ImportArgs args, UploadBody body, TransferListener progress)
      throws IOException {
    StreamInbox stream = begin(Opcode.IMAGE_IMPORT, args);
    upload(stream, Opcode.IMAGE_IMPORT, body, progress);
    return reply(stream, Opcode.IMAGE_IMPORT, null, ImportReply.class);
  }

  /** Writes image {@code args.image()} as a tar in {@code args.format()} to {@code out}. */
  public long exportImage(ExportArgs args, OutputStream out, TransferListener progress)
      throws IOException {
    return download(Opcode.IMAGE_EXPORT, args, "image " + args.image(), out, progress);
  }

  /**
   * Builds {@code args.dockerfile()} over the context tar {@code context} writes; the build log
   * goes to {@code log} as it is produced.
   */
  public ImportReply build(
      BuildArgs args, UploadBody context, OutputStream log, TransferListener progress)
      throws IOException {
    StreamInbox stream = begin(Opcode.IMAGE_BUILD, args);
    upload(stream, Opcode.IMAGE_BUILD, context, progress);
    return reply(
        stream,
        Opcode.IMAGE_BUILD,
        (b, off, len) -> {
          log.write(b, off, len);
          log.flush();
        },
        ImportReply.class);
  }

  /** Every image, one item per tag. */
  public List<ImageItem> images() throws IOException {
    return items(Opcode.IMAGE_LIST, null, ImageItem.class);
  }

  /** The layers of {@code image}, top first. */
  public List<HistoryItem> history(String image) throws IOException {
    return items(Opcode.IMAGE_HISTORY, new ImageArgs(image), HistoryItem.class);
  }

  /** Id, tags, layers and config of {@code image}. */
  public InspectReply inspect(String image) throws IOException {
    return unary(Opcode.IMAGE_INSPECT, new ImageArgs(image), InspectReply.class);
  }

  /**
   * For each layer of an image a pull is about to fetch (its config's {@code diffIds}, its
   * manifest's layer blob {@code digests}, bottom first): whether the server holds it with that
   * very blob, so that the pull may leave it out ({@code ImportArgs.leftOut}). An older server
   * answers {@code UNIMPLEMENTED}.
   */
  public HeldReply heldLayers(List<String> diffIds, List<String> digests) throws IOException {
    return unary(Opcode.IMAGE_HELD, new HeldArgs(diffIds, digests), HeldReply.class);
  }

  /**
   * Forgets the build cache's entries (with {@code all} every one, else those whose layer no image
   * uses) and removes the layers only they kept; their chunks go at the next gc.
   */
  public BuildPruneReply pruneBuildCache(boolean all) throws IOException {
    return unary(Opcode.BUILD_PRUNE, new BuildPruneArgs(all), BuildPruneReply.class);
  }

  /**
   * Removes the images no container uses that {@code args} choose, under the server's lock; their
   * removals in one reply. {@code UNIMPLEMENTED} from a server older than the request.
   */
  public RemoveReply pruneImages(ImagePruneArgs args) throws IOException {
    return unary(Opcode.IMAGE_PRUNE, args, RemoveReply.class);
  }

  /**
   * Removes the containers but mounted ones that {@code args} choose, on the server. {@code
   * UNIMPLEMENTED} from a server older than the request.
   */
  public ContainerPruneReply pruneContainers(ContainerPruneArgs args) throws IOException {
    return unary(Opcode.CONTAINER_PRUNE, args, ContainerPruneReply.class);
  }

  /** Gives image {@code source} the tag {@code target}. */
  public TagReply tag(String source, String target) throws IOException {
    return unary(Opcode.IMAGE_TAG, new TagArgs(source, target), TagReply.class);
  }

  /** Removes a tag of {@code image}, or the image and the layers only it used. */
  public RemoveReply removeImage(String image) throws IOException {
    return removeImage(image, false);
  }

  /**
   * As {@link #removeImage(String)}; with {@code force} ({@code rmi -f}) an id removes the image
   * even when it is referenced in several repositories.
   */
  public RemoveReply removeImage(String image, boolean force) throws IOException {
    return unary(Opcode.IMAGE_REMOVE, new ImageArgs(image, force ? true : null), RemoveReply.class);
  }

  // ---- containers ----

  /** Creates a container of {@code args.image()}; mount specs are parsed by the server. */
  public CreateReply createContainer(CreateArgs args) throws IOException {
    return unary(Opcode.CONTAINER_CREATE, args, CreateReply.class);
  }

  /** Every container, newest first. */
  public List<ContainerItem> containers() throws IOException {
    return items(Opcode.CONTAINER_LIST, null, ContainerItem.class);
  }

  /** Id, name, image and mounts of {@code container}. */
  public ContainerInspectReply inspectContainer(String container) throws IOException {
    return unary(
        Opcode.CONTAINER_INSPECT, new ContainerArgs(container), ContainerInspectReply.class);
  }

  /**
   * Removes a container's writable layer (and with {@code args.volumes()} its anonymous volumes).
   */
  public ContainerReply removeContainer(ContainerRemoveArgs args) throws IOException {
    return unary(Opcode.CONTAINER_REMOVE, args, ContainerReply.class);
  }

  /**
   * Has the server serve a container's file system at {@code dir}, a directory on the server's
   * host, through FUSE.
   */
  public MountReply mount(String container, String dir) throws IOException {
    return unary(Opcode.CONTAINER_MOUNT, new MountArgs(container, dir), MountReply.class);
  }

  /** Undoes {@link #mount}: the server unmounts {@code dir}. */
  public MountReply umount(String dir) throws IOException {
    return unary(Opcode.CONTAINER_UMOUNT, new MountArgs(null, dir), MountReply.class);
  }

  /** Makes a new image from a container: its image plus one layer of its changes. */
  public CommitReply commit(String container, String tag) throws IOException {
    return unary(Opcode.CONTAINER_COMMIT, new CommitArgs(container, tag), CommitReply.class);
  }

  /** What changed in a container against its image. */
  public List<ChangeItem> diff(String container) throws IOException {
    return items(Opcode.CONTAINER_DIFF, new ContainerArgs(container), ChangeItem.class);
  }

  /** Writes a container's whole file system as a tar to {@code out}; returns its length. */
  public long exportContainer(String container, OutputStream out, TransferListener progress)
      throws IOException {
    return download(
        Opcode.CONTAINER_EXPORT,
        new ContainerArgs(container),
        "container " + container,
        out,
        progress);
  }

  /**
   * Writes {@code args.path()} of a container (with everything under it; with {@code followLink},
   * what a symlink there leads to) as a tar to {@code out}; returns its length.
   */
  public long copyOut(CopyOutArgs args, OutputStream out, TransferListener progress)
      throws IOException {
    return download(
        Opcode.CONTAINER_COPY_OUT, args, args.container() + ":" + args.path(), out, progress);
  }

  /** Unpacks the tar {@code tar} writes at {@code args.path()} of a container, as docker cp. */
  public PathReply copyIn(CopyInArgs args, UploadBody tar, TransferListener progress)
      throws IOException {
    StreamInbox stream = begin(Opcode.CONTAINER_COPY_IN, args);
    upload(stream, Opcode.CONTAINER_COPY_IN, tar, progress);
    return reply(stream, Opcode.CONTAINER_COPY_IN, null, PathReply.class);
  }

  // ---- files inside containers ----

  /** What {@code args.path()} of a container is. */
  public FileItem stat(PathArgs args) throws IOException {
    return unary(Opcode.FS_STAT, args, FileItem.class);
  }

  /** The entries of directory {@code args.path()} of a container, by name. */
  public List<FileItem> listFiles(PathArgs args) throws IOException {
    return items(Opcode.FS_LIST, args, FileItem.class);
  }

  /** Writes the bytes of a file inside a container to {@code out}; returns how many. */
  public long readFile(ReadArgs args, OutputStream out, TransferListener progress)
      throws IOException {
    return download(Opcode.FS_READ, args, args.container() + ":" + args.path(), out, progress);
  }

  /** Writes what {@code body} yields into a file inside a container (see {@link WriteArgs}). */
  public WriteReply writeFile(WriteArgs args, UploadBody body, TransferListener progress)
      throws IOException {
    StreamInbox stream = begin(Opcode.FS_WRITE, args);
    upload(stream, Opcode.FS_WRITE, body, progress);
    return reply(stream, Opcode.FS_WRITE, null, WriteReply.class);
  }

  /** Removes, makes, renames, links, chmods or truncates a path inside a container. */
  public PathReply changeFile(FsChangeArgs args) throws IOException {
    return unary(Opcode.FS_CHANGE, args, PathReply.class);
  }

  // ---- volumes ----

  /** Creates volume {@code name} (null: an anonymous one); an existing one is returned as it is. */
  public VolumeItem createVolume(String name) throws IOException {
    return unary(Opcode.VOLUME_CREATE, new VolumeArgs(name), VolumeItem.class);
  }

  /** Every volume. */
  public List<VolumeItem> volumes() throws IOException {
    return items(Opcode.VOLUME_LIST, null, VolumeItem.class);
  }

  /** Mountpoint, use and size of volume {@code name}. */
  public VolumeItem inspectVolume(String name) throws IOException {
    return unary(Opcode.VOLUME_INSPECT, new VolumeArgs(name), VolumeItem.class);
  }

  /** Removes volume {@code name} and its files; refused while a container mounts it. */
  public void removeVolume(String name) throws IOException {
    unary(Opcode.VOLUME_REMOVE, new VolumeArgs(name), VolumeArgs.class);
  }

  /** Removes the anonymous volumes no container mounts, and with {@code all} the named ones too. */
  public VolumePruneReply pruneVolumes(boolean all) throws IOException {
    return unary(Opcode.VOLUME_PRUNE, new VolumePruneArgs(all), VolumePruneReply.class);
  }

  // ---- host to host ----

  /**
   * Sends image {@code args.image()} to the stratad at {@code args.host()}; {@code progress} hears
   * how far it is as batches of chunks cross.
   */
  public TransferReply push(TransferArgs args, Consumer<TransferProgress> progress)
      throws IOException {
    return hostTransfer(Opcode.IMAGE_PUSH, args, progress);
  }

  /**
   * Fetches image {@code args.image()} from the stratad at {@code args.host()}; as {@link #push}.
   */
  public TransferReply pull(TransferArgs args, Consumer<TransferProgress> progress)
      throws IOException {
    return hostTransfer(Opcode.IMAGE_PULL, args, progress);
  }

  /**
   * Has the server pull {@code args.reference()} from a Strata registry, fetching only the chunks
   * it lacks; as {@link #push}. Fails with {@code UNIMPLEMENTED} when the registry publishes no
   * chunk index for the image (or the server predates this): pull it the ordinary way then.
   */
  public TransferReply pullFromRegistry(RegistryPullArgs args, Consumer<TransferProgress> progress)
      throws IOException {
    String what = Opcode.REGISTRY_PULL.label() + " progress";
    return listing(
        Opcode.REGISTRY_PULL,
        args,
        line -> progress.accept(Json.read(line, TransferProgress.class, what)),
        TransferReply.class);
  }

  private TransferReply hostTransfer(
      Opcode op, TransferArgs args, Consumer<TransferProgress> progress) throws IOException {
    String what = op.label() + " progress";
    return listing(
        op,
        args,
        line -> progress.accept(Json.read(line, TransferProgress.class, what)),
        TransferReply.class);
  }

  /** How this server cuts files, for a sender that will offer it a plan. */
  public CutReply transferCut() throws IOException {
    return unary(Opcode.TRANSFER_CUT, null, CutReply.class);
  }

  /** Writes the transfer plan of {@code args.image()} to {@code out}; returns its length. */
  public long transferPlan(PlanArgs args, OutputStream out) throws IOException {
    return download(
        Opcode.TRANSFER_PLAN, args, "image " + args.image(), out, TransferListener.NONE);
  }

  /**
   * Asks for the chunks of image {@code args.image()} that {@code wanted} lists (a chunk list);
   * their records go to {@code records} as they arrive.
   */
  public ChunksEnd transferChunks(PlanArgs args, UploadBody wanted, OutputStream records)
      throws IOException {
    StreamInbox stream = begin(Opcode.TRANSFER_CHUNKS, args);
    upload(stream, Opcode.TRANSFER_CHUNKS, wanted, TransferListener.NONE);
    return reply(stream, Opcode.TRANSFER_CHUNKS, records::write, ChunksEnd.class);
  }

  /** Offers a transfer plan; the list of chunks the server lacks goes to {@code missing}. */
  public OfferReply transferOffer(byte[] plan, OutputStream missing) throws IOException {
    StreamInbox stream = begin(Opcode.TRANSFER_OFFER, null);
    upload(stream, Opcode.TRANSFER_OFFER, out -> out.write(plan), TransferListener.NONE);
    return reply(stream, Opcode.TRANSFER_OFFER, missing::write, OfferReply.class);
  }

  /** Sends chunk records of an offered plan. */
  public ChunksEnd transferPut(String plan, UploadBody records) throws IOException {
    StreamInbox stream = begin(Opcode.TRANSFER_PUT, new PlanRef(plan));
    upload(stream, Opcode.TRANSFER_PUT, records, TransferListener.NONE);
    return reply(stream, Opcode.TRANSFER_PUT, null, ChunksEnd.class);
  }

  /** Makes the image of an offered plan whose chunks have all arrived. */
  public ImportReply transferApply(String plan) throws IOException {
    return unary(Opcode.TRANSFER_APPLY, new PlanRef(plan), ImportReply.class);
  }

  /** What images, containers and volumes hold. */
  public DiskUsageReply diskUsage() throws IOException {
    return unary(Opcode.SYSTEM_DF, null, DiskUsageReply.class);
  }

  /** Closes the connection; calls in flight fail with UNAVAILABLE. */
  @Override
  public void close() throws IOException {
    // not +: see ReplyRouter.text
    router.fail(
        new StrataClientException(
            Status.UNAVAILABLE,
            "connection to stratad at ".concat(ReplyRouter.text(address)).concat(" is closed")));
  }

  // ---- the request cycle ----

  /** Receives the DATA of a download. */
  @FunctionalInterface
  private interface DataSink {
    /**
     * Takes {@code len} bytes of {@code b} from {@code off}; they are valid only during the call.
     */
    void accept(byte[] b, int off, int len) throws IOException;
  }

  private <T> T unary(Opcode op, Object args, Class<T> replyType) throws IOException {
    StreamInbox stream = begin(op, args);
    return reply(stream, op, null, replyType);
  }

  /** A listing whose lines are {@code type} items, read into a list. */
  private <T> List<T> items(Opcode op, Object args, Class<T> type) throws IOException {
    List<T> items = new ArrayList<>();
    String what = op.label().concat(" line"); // not +: see ReplyRouter.text
    listing(op, args, line -> items.add(read(streaming, line, type, what)), ListEnd.class);
    return items;
  }

  private <T> T listing(Opcode op, Object args, JsonLines.LineSink lines, Class<T> endType)
      throws IOException {
    StreamInbox stream = begin(op, args);
    JsonLines splitter = new JsonLines(lines);
    T end = reply(stream, op, splitter::accept, endType);
    splitter.finish();
    return end;
  }

  /**
   * Opens a stream (waiting while the server's limit of streams is in flight) and sends REQUEST.
   */
  private StreamInbox begin(Opcode op, Object args) throws IOException {
    // {} without Json, whose start is jackson-databind's
    byte[] json = args == null ? new byte[] {'{', '}'} : Json.write(args);
    StreamInbox stream = router.open();
    send(FrameType.REQUEST, stream.stream(), new RequestHeader(op.code(), json).encode());
    return stream;
  }

  /**
   * Sends the payload {@code body} writes as the DATA of {@code stream}, then END. A failure of the
   * body's source cancels the stream and is rethrown; an early answer is thrown as the error it
   * carries.
   */
  private void upload(StreamInbox stream, Opcode op, UploadBody body, TransferListener progress)
      throws IOException {
    UploadStream out = new UploadStream(connection, stream, progress);
    try {
      body.writeTo(out);
      out.finish();
    } catch (UploadStream.AnsweredEarly e) {
      throw earlyAnswer(stream, op);
    } catch (UploadStream.ConnectionFailed e) {
      throw fail(router.lost((IOException) e.getCause()));
    } catch (IOException | RuntimeException e) {
      abandon(stream);
      throw e;
    }
    send(FrameType.END, stream.stream(), new byte[0]);
  }

  /**
   * Runs a download whose answer is a {@link GetEnd}: DATA goes to {@code out}, and the count the
   * server announces must match what arrived. {@code what} names the object in messages.
   */
  private long download(
      Opcode op, Object args, String what, OutputStream out, TransferListener progress)
      throws IOException {
    StreamInbox stream = begin(op, args);
    long[] received = new long[1];
    DataSink sink =
        (b, off, len) -> {
          out.write(b, off, len);
          received[0] += len;
          progress.transferred(len);
        };
    GetEnd end = reply(stream, op, sink, GetEnd.class);
    if (end.bytes() != received[0]) {
      throw fail(
          new StrataClientException(
              Status.PROTOCOL_ERROR,
              op.label()
                  + " "
                  + what
                  + ": server announced "
                  + end.bytes()
                  + " bytes but sent "
                  + received[0]));
    }
    return received[0];
  }

  private void send(FrameType type, int stream, byte[] payload) throws IOException {
    try {
      connection.send(type, stream, payload);
    } catch (IOException e) {
      throw fail(router.lost(e));
    }
  }

  /**
   * Gives up on a stream whose caller failed (its upload's source, its download's sink): CANCEL
   * unless the server answered already; what still arrives for it is dropped, and the connection
   * stays usable for the other streams. The caller rethrows its own failure, which is the one to
   * report.
   */
  private void abandon(StreamInbox stream) {
    stream.abandon();
    if (!stream.answered() && !router.failed()) {
      try {
        connection.send(FrameType.CANCEL, stream.stream(), new byte[0]);
      } catch (IOException e) {
        fail(router.lost(e));
      }
    }
  }

  /**
   * The server answered an upload before its end: throws the error it carries, or returns the
   * protocol violation an early success is.
   */
  private StrataClientException earlyAnswer(StreamInbox stream, Opcode op) throws IOException {
    reply(stream, op, null, ErrorBody.class);
    return fail(
        new StrataClientException(
            Status.PROTOCOL_ERROR, op.label() + ": server answered before the upload ended"));
  }

  /**
   * Takes the frames of {@code stream} up to its RESPONSE, passing its DATA to {@code sink};
   * returns the successful body or throws the error. A sink that fails abandons the stream.
   */
  private <T> T reply(StreamInbox stream, Opcode op, DataSink sink, Class<T> type)
      throws IOException {
    while (true) {
      InboundFrame f;
      try {
        f = stream.take();
      } catch (InterruptedIOException e) {
        abandon(stream);
        throw e;
      }
      if (f.type() == FrameType.DATA) {
        if (sink == null) {
          throw fail(
              new StrataClientException(
                  Status.PROTOCOL_ERROR, op.label() + ": server sent DATA on a request without"));
        }
        try {
          sink.accept(f.buffer(), f.offset(), f.length());
        } catch (IOException | RuntimeException e) {
          abandon(stream);
          throw e;
        }
        continue;
      }
      ResponseHeader r = ResponseHeader.decode(ByteBuffer.wrap(f.payload()));
      if (r.status() != Status.OK) {
        String message =
            read(streaming, r.body(), ErrorBody.class, op.label().concat(" error")).message();
        throw new StrataClientException(r.status(), message == null ? r.status().name() : message);
      }
      return read(streaming, r.body(), type, op.label().concat(" reply"));
    }
  }

  /** {@link Json#read}, or with {@code streaming} {@link JsonRecords#read}: the same answers. */
  private static <T> T read(boolean streaming, byte[] json, Class<T> type, String what)
      throws ProtocolException {
    return streaming ? JsonRecords.read(json, type, what) : Json.read(json, type, what);
  }

  /** A protocol violation: the connection ends, failing every call in flight with it. */
  private StrataClientException fail(StrataClientException e) {
    router.fail(e);
    return e;
  }

  static String describe(IOException e) {
    return e instanceof EOFException
        ? "the server closed the connection"
        : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  private static void closeQuietly(Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // Already failing; the first error is the one to report.
    }
  }
}
