package io.strata.server.op;

import io.strata.protocol.Opcode;
import io.strata.protocol.message.BuildArgs;
import io.strata.protocol.message.ExportArgs;
import io.strata.protocol.message.GetEnd;
import io.strata.protocol.message.ImportArgs;
import io.strata.protocol.message.ImportReply;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.RejectedException;
import io.strata.store.image.ImageRef;
import io.strata.store.image.ImageStore;
import io.strata.store.image.ImportResult;
import io.strata.store.image.archive.ExportFormat;
import io.strata.store.image.build.BuildOptions;
import io.strata.store.image.layer.LayerCodec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * {@code image.import}, {@code image.export} and {@code image.build}: the image requests that move
 * payloads. Uploads are spooled under the data root's {@code tmp} first (archives are read out of
 * order); exports and build logs are produced by the engine on threads of their own and streamed
 * back with the download's flow control. What the engine refuses in the content the client sent is
 * answered REJECTED; malformed arguments (a bad tag) INVALID_ARGUMENT.
 */
final class ImageTarOperations {
  private static final System.Logger LOG = System.getLogger(ImageTarOperations.class.getName());

  private final ImageStore images;
  private final Path tmp;
  private final ProducerThreads producers;
  private final BuildPulls pulls;

  /**
   * Exports and build logs are made on {@code producers}; builds pull the registry images they name
   * through {@code pulls}. Also deletes the spools an abrupt stop left in {@code tmp}.
   */
  ImageTarOperations(ImageStore images, Path tmp, ProducerThreads producers, BuildPulls pulls)
      throws IOException {
    this.images = images;
    this.pulls = pulls;
    this.tmp = tmp;
    int left = Spool.removeLeftovers(tmp);
    if (left > 0) {
      LOG.log(System.Logger.Level.INFO, "removed {0} unfinished uploads from {1}", left, tmp);
    }
    this.producers = producers;
  }

  void register(Map<Opcode, Operation> into) {
    into.put(Opcode.IMAGE_IMPORT, this::importImage);
    into.put(Opcode.IMAGE_EXPORT, this::export);
    into.put(Opcode.IMAGE_BUILD, this::build);
  }

  private Outcome importImage(byte[] json) throws IOException {
    ImportArgs args = Arguments.read(json, ImportArgs.class, Opcode.IMAGE_IMPORT);
    String tag = args.tag() == null ? null : ImageRef.parse(args.tag()).toString();
    String select = args.select();
    if (select != null && !select.matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")) {
      throw new InvalidArgumentException(
          "image.import: " + select + " is not a valid OCI reference name");
    }
    java.util.Set<String> leftOut =
        args.leftOut() == null ? java.util.Set.of() : java.util.Set.copyOf(args.leftOut());
    if (args.plain()) {
      if (!leftOut.isEmpty()) {
        throw new InvalidArgumentException(
            "image.import: leftOut needs an image archive, not a plain tar");
      }
      if (args.pulledAs() != null) {
        throw new InvalidArgumentException(
            "image.import: pulledAs "
                + args.pulledAs()
                + " needs an image archive, not a plain tar");
      }
      if (select != null) {
        throw new InvalidArgumentException(
            "image.import: select " + select + " needs an OCI layout, not a plain tar");
      }
      String what = "tar " + (args.name() == null ? "import.tar" : args.name());
      return new Outcome.Upload(
          producers.read(
              "image.import of " + what,
              in ->
                  new Outcome.Reply(
                      reply(
                          RejectedException.ofContent(
                              () -> images.importLayerTar(in, tag, what))))));
    }
    Spool spool = Spool.create(tmp, args.name(), "import.tar");
    return new Outcome.Upload(
        new SpoolSink(
            spool,
            s -> {
              try (s) {
                String path = s.file() + (select == null ? "" : ":" + select);
                ImportResult r =
                    RejectedException.ofContent(
                        () -> images.importPath(path, tag, args.pulledAs(), leftOut, s.stop()));
                return new Outcome.Reply(reply(r));
              }
            }));
  }

  private Outcome export(byte[] json) throws IOException {
    ExportArgs args = Arguments.read(json, ExportArgs.class, Opcode.IMAGE_EXPORT);
    if (args.image() == null) {
      throw new InvalidArgumentException("image.export: the argument image is missing");
    }
    ExportFormat format = format(args.format());
    // A docker-archive's layers are plain tars unless asked otherwise, as `docker save` writes
    // them: no compressing at Go's deflate speed (about 30 MB/s) for an archive that stays local.
    LayerCodec codec =
        args.layerCompression() == null && format == ExportFormat.DOCKER_ARCHIVE
            ? LayerCodec.NONE
            : LayerCodec.parse(args.layerCompression());
    String ref = args.image();
    images.resolveFetching(ref);
    List<String> more = args.more() == null ? List.of() : args.more();
    ProducedStream tar;
    if (more.isEmpty()) {
      tar =
          producers.start("export of image " + ref, out -> images.export(ref, format, codec, out));
    } else {
      if (format != ExportFormat.DOCKER_ARCHIVE) {
        throw new InvalidArgumentException(
            "image.export: several images go in a docker-archive only, not " + args.format());
      }
      List<String> all = new java.util.ArrayList<>(List.of(ref));
      for (String m : more) {
        images.resolveFetching(m);
        all.add(m);
      }
      tar = producers.start("save of images " + all, out -> images.saveAll(all, codec, out));
    }
    CountingStream data = new CountingStream(tar);
    return new Outcome.Download(data, () -> new GetEnd(data.count()));
  }

  private static ExportFormat format(String name) {
    if (name == null || name.equals(ExportArgs.OCI)) {
      return ExportFormat.OCI;
    }
    if (name.equals(ExportArgs.DOCKER_ARCHIVE)) {
      return ExportFormat.DOCKER_ARCHIVE;
    }
    throw new InvalidArgumentException(
        "image.export: format "
            + name
            + " is unknown (expected "
            + ExportArgs.OCI
            + " or "
            + ExportArgs.DOCKER_ARCHIVE
            + ")");
  }

  private Outcome build(byte[] json) throws IOException {
    BuildArgs args = Arguments.read(json, BuildArgs.class, Opcode.IMAGE_BUILD);
    if (args.dockerfile() == null) {
      throw new InvalidArgumentException("image.build: the argument dockerfile is missing");
    }
    List<String> tags = args.tags().stream().map(t -> ImageRef.parse(t).toString()).toList();
    Spool spool = Spool.create(tmp, null, "context.tar");
    BuildOptions options = new BuildOptions(args.buildArgs(), args.target(), args.noCache());
    return new Outcome.Upload(new SpoolSink(spool, s -> buildFrom(s, args, tags, options)));
  }

  /**
   * Pulls the registry images the build names (see {@link BuildPulls}), then runs the build over
   * the spooled context, reading the images it pulled by id; its log is the exchange's download.
   */
  private Outcome buildFrom(
      Spool context, BuildArgs args, List<String> tags, BuildOptions options) {
    AtomicReference<ImportResult> result = new AtomicReference<>();
    ProducedStream log =
        producers.start(
            "build log",
            out -> {
              Consumer<String> lines = ProducedStream.lines(out);
              try (context;
                  BuildPulls.Pulled pulled =
                      RejectedException.ofContent(
                          () -> pulls.pull(args.dockerfile(), options, args, lines));
                  InputStream in = Files.newInputStream(context.file())) {
                BuildOptions resolved = options.withImages(pulled.ids());
                result.set(
                    RejectedException.ofContent(
                        () -> images.build(args.dockerfile(), tags, resolved, in, lines)));
              }
            });
    return new Outcome.Download(log, () -> reply(result.get()), true);
  }

  /** The wire form of an import's result. */
  static ImportReply reply(ImportResult r) {
    return new ImportReply(
        r.images().stream()
            .map(
                i ->
                    new ImportReply.Image(
                        i.id(),
                        i.tags(),
                        i.layers().stream()
                            .map(l -> new ImportReply.Layer(l.diffId(), l.chainId(), l.reused()))
                            .toList()))
            .toList());
  }
}
