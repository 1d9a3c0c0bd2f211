package io.strata.server;

import io.strata.containerd.ContainerdSocket;
import io.strata.protocol.HostPort;
import io.strata.protocol.TokenFile;
import io.strata.server.handler.Limits;
import io.strata.server.registry.RegistryConfig;
import io.strata.store.Engine;
import io.strata.store.compress.Compression;
import io.strata.store.engine.Version;
import io.strata.store.error.InvalidArgumentException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code stratad}, the server's command line (SPEC §1). Prints the ready line on stdout once it
 * serves; on SIGTERM or SIGINT shuts down gracefully and exits 0; a refused start is one line on
 * stderr and exit 1.
 */
@Command(
    name = "stratad",
    mixinStandardHelpOptions = true,
    versionProvider = Stratad.VersionProvider.class,
    description = "Serves a Strata data root over the Strata protocol.")
public final class Stratad implements Callable<Integer> {
  static {
    // before the first logger: a manager that still logs while stratad stops (StratadLogManager)
    if (System.getProperty("java.util.logging.manager") == null) {
      System.setProperty("java.util.logging.manager", StratadLogManager.class.getName());
    }
  }

  private static final System.Logger LOG = System.getLogger(Stratad.class.getName());
  private static final String LOG_FORMAT = "%1$tF %1$tT.%1$tL %4$s %3$s: %5$s%6$s%n";

  /** What a token file must not grant. */
  private static final Set<PosixFilePermission> GROUP_OR_OTHERS =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private final PrintStream out;
  private final Map<String, String> env;

  @Spec private CommandSpec spec;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description =
          "The data root, created if missing (default: $STRATA_DATA, else ./strata-data).")
  private String data;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:7420",
      description = "The address to serve on (default: ${DEFAULT-VALUE}).")
  private String listen;

  @Option(
      names = "--driver",
      paramLabel = "btrfs|zfs",
      description =
          "The storage driver of a new data root (default btrfs); an existing root keeps"
              + " its own.")
  private String driver;

  @Option(
      names = "--compression",
      paramLabel = "zstd[:LEVEL]|lz4|none",
      defaultValue = "zstd:3",
      description = "The codec of new chunks (default: ${DEFAULT-VALUE}).")
  private String compression;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description =
          "Every client must present the token in FILE; required to serve other hosts. FILE must"
              + " grant its group and others no permission (chmod 600).")
  private Path tokenFile;

  @Option(
      names = "--allow-bind",
      paramLabel = "DIR",
      description = "Bind mounts may take their source under DIR (repeatable).")
  private List<Path> allowBind = new ArrayList<>();

  @Option(
      names = "--metrics",
      paramLabel = "HOST:PORT",
      description = "Serve Prometheus metrics at http://HOST:PORT/metrics.")
  private String metrics;

  @Option(
      names = "--containerd-socket",
      paramLabel = "[NAME=]PATH",
      description =
          "Serve containerd's snapshots and content gRPC services on unix socket PATH (a proxy"
              + " plugin for containerd). One containerd per socket: the first containerd process"
              + " to call owns it while it runs, others are refused. Repeat it for several"
              + " containerd daemons, each socket with a space of its own: NAME=PATH keeps that"
              + " containerd's snapshots and content apart under NAME (letters and digits joined"
              + " by single . _ -), a bare PATH in the space _. A PATH holding = starts with / or"
              + " ./.")
  private List<String> containerdSockets = new ArrayList<>();

  @Option(
      names = "--registry",
      paramLabel = "HOST:PORT",
      description =
          "Serve the OCI distribution API (a registry docker, skopeo and ctr push to and pull"
              + " from) at HOST:PORT; the token file, when set, is its bearer token.")
  private String registry;

  @Option(
      names = "--registry-tls-cert",
      paramLabel = "FILE",
      description = "Serve the registry over HTTPS with this PEM certificate (chain).")
  private Path registryCert;

  @Option(
      names = "--registry-tls-key",
      paramLabel = "FILE",
      description = "The PEM (PKCS#8) private key of --registry-tls-cert.")
  private Path registryKey;

  @Option(
      names = "--registry-anonymous-pull",
      description =
          "With a token file, let clients without the token pull (GET and HEAD) what the registry"
              + " holds; publishing a Strata image by a pull of its name still needs the token.")
  private boolean registryAnonymousPull;

  @Option(
      names = "--registry-blob-cache",
      paramLabel = "SIZE",
      defaultValue = "2G",
      description =
          "Disk for whole copies of gzip layers kept as recipes, so pulls send them instead of"
              + " regenerating them (512M, 20G; 0: none; default ${DEFAULT-VALUE}).")
  private String registryBlobCache;

  @Option(
      names = "--store",
      paramLabel = "s3://BUCKET[/PREFIX]",
      description =
          "Share the chunk store with other stratads through this S3 bucket: packs and their"
              + " indexes live there, the data root keeps a cache and what is not uploaded yet.")
  private String store;

  @Option(
      names = "--s3-endpoint",
      paramLabel = "URL",
      description = "The S3 endpoint of --store (default: AWS's for the region).")
  private java.net.URI s3Endpoint;

  @Option(
      names = "--s3-region",
      paramLabel = "REGION",
      defaultValue = "us-east-1",
      description = "The signing region of --store (default: ${DEFAULT-VALUE}).")
  private String s3Region;

  @Option(
      names = "--s3-credentials-file",
      paramLabel = "FILE",
      description =
          "AWS credentials file of --store ([default] aws_access_key_id, aws_secret_access_key);"
              + " default: the AWS SDK's chain (environment, ~/.aws).")
  private Path s3Credentials;

  @Option(
      names = "--s3-path-style",
      description = "Address the bucket as http://HOST/BUCKET (radosgw, MinIO), not BUCKET.HOST.")
  private boolean s3PathStyle;

  @Option(
      names = "--s3-cache-size",
      paramLabel = "SIZE",
      defaultValue = "8G",
      description =
          "What the data root may hold of the bucket's packs, e.g. 512M, 20G (default:"
              + " ${DEFAULT-VALUE}).")
  private String s3CacheSize;

  @Option(
      names = "--log-level",
      paramLabel = "LEVEL",
      defaultValue = "info",
      description = "error, warn, info (default: start, stop, long operations) or debug.")
  private String logLevel;

  @Option(
      names = "--log-format",
      paramLabel = "FORMAT",
      defaultValue = "text",
      description = "text (default) or json: one JSON object per line on stderr.")
  private String logFormat;

  Stratad(PrintStream out, Map<String, String> env) {
    this.out = out;
    this.env = Map.copyOf(env);
  }

  /** Runs stratad until it is signalled. */
  public static void main(String[] args) {
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty("java.util.logging.SimpleFormatter.format", LOG_FORMAT);
    }
    int code = commandLine(new Stratad(System.out, System.getenv()), System.err).execute(args);
    System.exit(code);
  }

  /** The picocli command line of {@code stratad}, with its errors printed to {@code err}. */
  static CommandLine commandLine(Stratad stratad, PrintStream err) {
    CommandLine cmd = new CommandLine(stratad);
    cmd.setErr(new PrintWriter(err, true));
    cmd.setParameterExceptionHandler(
        (e, a) -> {
          err.println("stratad: " + e.getMessage());
          err.println("Try 'stratad --help'.");
          return 2;
        });
    cmd.setExecutionExceptionHandler(
        (e, c, parsed) -> {
          err.println("stratad: " + e.getMessage());
          LOG.log(System.Logger.Level.DEBUG, "start failed", e);
          return 1;
        });
    return cmd;
  }

  @Override
  public Integer call() throws Exception {
    java.util.logging.Level level = LogSetup.level(logLevel);
    if (level == null) {
      throw new ParameterException(
          spec.commandLine(), "--log-level " + logLevel + ": expected error, warn, info or debug");
    }
    if (!logFormat.equals("text") && !logFormat.equals("json")) {
      throw new ParameterException(
          spec.commandLine(), "--log-format " + logFormat + ": expected text or json");
    }
    LogSetup.configure(level, logFormat);
    ServerConfig config = config();
    StrataServer server = StrataServer.start(config);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  // A signal was asked to stop the server, and it stopped cleanly: that is success.
                  Runtime.getRuntime().halt(0);
                },
                "stratad-shutdown"));
    out.println(readyLine(server, config));
    out.flush();
    server.awaitClosed();
    return 0;
  }

  /** {@code stratad listening on HOST:PORT (driver D, data DIR)}. */
  static String readyLine(StrataServer server, ServerConfig config) {
    return "stratad listening on "
        + HostPort.format(server.address())
        + " (driver "
        + server.driver()
        + ", data "
        + config.dataLabel()
        + ")";
  }

  /** The configuration the options describe; a refused option is a usage error naming it. */
  ServerConfig config() throws StartupException {
    String dataText = data != null ? data : env.getOrDefault("STRATA_DATA", "./strata-data");
    HostPort listenAt = address("--listen", listen);
    HostPort metricsAt = metrics == null ? null : address("--metrics", metrics);
    if (driver != null && !Engine.DRIVERS.contains(driver.toLowerCase(Locale.ROOT))) {
      throw new ParameterException(
          spec.commandLine(), "--driver " + driver + ": expected one of " + Engine.DRIVERS);
    }
    Compression codec;
    try {
      codec = Compression.parse(compression);
    } catch (InvalidArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--compression: " + e.getMessage());
    }
    byte[] token = null;
    if (tokenFile != null) {
      try {
        checkPrivate(tokenFile);
        token = TokenFile.read(tokenFile);
      } catch (IOException e) {
        throw new StartupException("--token-file: " + e.getMessage(), e);
      }
    }
    List<Path> allowed = new ArrayList<>();
    for (Path p : allowBind) {
      if (!Files.isDirectory(p)) {
        throw new StartupException("--allow-bind " + p + ": not a directory");
      }
      allowed.add(p.toAbsolutePath().normalize());
    }
    RegistryConfig registryConfig = null;
    if (registry != null) {
      if ((registryCert == null) != (registryKey == null)) {
        throw new ParameterException(
            spec.commandLine(), "--registry-tls-cert and --registry-tls-key go together");
      }
      for (Path p : new Path[] {registryCert, registryKey}) {
        if (p != null && !Files.isReadable(p)) {
          throw new StartupException("--registry TLS file " + p + ": not readable");
        }
      }
      registryConfig =
          new RegistryConfig(
              address("--registry", registry),
              registryCert,
              registryKey,
              registryAnonymousPull,
              RegistryConfig.IDLE_TIMEOUT,
              RegistryConfig.UPLOAD_EXPIRY,
              parseSize(registryBlobCache, "--registry-blob-cache"));
    } else if (registryCert != null || registryKey != null || registryAnonymousPull) {
      throw new ParameterException(spec.commandLine(), "the --registry-* options need --registry");
    }
    SharedConfig shared = sharedConfig();
    return new ServerConfig(
        listenAt,
        Path.of(dataText),
        dataText,
        driver == null ? null : driver.toLowerCase(Locale.ROOT),
        codec,
        token,
        allowed,
        metricsAt,
        Limits.defaults(),
        containerdSockets(),
        registryConfig,
        shared);
  }

  /** The {@code --containerd-socket}s, each space and path once. */
  private List<ContainerdSocket> containerdSockets() {
    try {
      return ContainerdSocket.parseAll(containerdSockets);
    } catch (InvalidArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--containerd-socket " + e.getMessage());
    }
  }

  /** The bucket of {@code --store}, or null; the {@code --s3-*} options need it. */
  private SharedConfig sharedConfig() throws StartupException {
    if (store == null) {
      if (s3Endpoint != null || s3Credentials != null || s3PathStyle) {
        throw new ParameterException(spec.commandLine(), "the --s3-* options need --store");
      }
      return null;
    }
    io.strata.s3.S3Settings s3;
    try {
      s3 = io.strata.s3.S3Settings.parse(store);
    } catch (InvalidArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--store: " + e.getMessage());
    }
    if (s3Credentials != null && !Files.isReadable(s3Credentials)) {
      throw new StartupException("--s3-credentials-file " + s3Credentials + ": not readable");
    }
    long cache = parseSize(s3CacheSize, "--s3-cache-size");
    if (cache < 64L << 20) {
      throw new ParameterException(
          spec.commandLine(), "--s3-cache-size " + s3CacheSize + ": at least 64M");
    }
    return new SharedConfig(
        s3.withEndpoint(s3Endpoint)
            .withRegion(s3Region)
            .withCredentials(s3Credentials)
            .withPathStyle(s3PathStyle),
        cache);
  }

  /** {@code 512M}, {@code 20G}, {@code 1T} or bytes; binary units. */
  private long parseSize(String text, String option) {
    String t = text.trim().toUpperCase(Locale.ROOT);
    int shift = 0;
    if (!t.isEmpty() && "KMGT".indexOf(t.charAt(t.length() - 1)) >= 0) {
      shift = 10 * (1 + "KMGT".indexOf(t.charAt(t.length() - 1)));
      t = t.substring(0, t.length() - 1);
    }
    try {
      long n = Long.parseLong(t);
      if (n < 0 || n > Long.MAX_VALUE >> shift) {
        throw new NumberFormatException();
      }
      return n << shift;
    } catch (NumberFormatException e) {
      throw new ParameterException(
          spec.commandLine(), option + " " + text + ": expected a size such as 512M or 20G");
    }
  }

  /**
   * Refuses a token file that grants its group or others any permission, as ssh refuses such a
   * private key: whoever can read the token can use the server as the clients do. A file system
   * without POSIX permissions is not checked.
   */
  static void checkPrivate(Path file) throws StartupException, IOException {
    Set<PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException e) {
      return;
    } catch (NoSuchFileException e) {
      // TokenFile.read says so in its own words
      return;
    }
    Set<PosixFilePermission> open = EnumSet.copyOf(perms);
    open.retainAll(GROUP_OR_OTHERS);
    if (!open.isEmpty()) {
      throw new StartupException(
          String.format(
              "--token-file %s: mode %s lets group or others access the token; make it private"
                  + " with chmod 600 %s",
              file, mode(perms), file));
    }
  }

  /** {@code perms} as octal, {@code 0644}. */
  private static String mode(Set<PosixFilePermission> perms) {
    int m = 0;
    for (PosixFilePermission p : perms) {
      // the enum runs OWNER_READ .. OTHERS_EXECUTE, from bit 8 down to bit 0
      m |= 1 << (8 - p.ordinal());
    }
    return String.format("%04o", m);
  }

  private HostPort address(String option, String text) {
    try {
      return HostPort.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), option + ": " + e.getMessage());
    }
  }

  /** What {@code stratad --version} prints: the version and the commit of this build. */
  static final class VersionProvider implements picocli.CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "stratad " + io.strata.protocol.BuildInfo.CURRENT.describe(Version.VERSION)
      };
    }
  }
}
