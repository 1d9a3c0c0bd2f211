package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.StrataClientException;
import io.strata.protocol.BuildInfo;
import io.strata.protocol.Wire;
import io.strata.protocol.message.InfoReply;
import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code strata version}: the client's and the server's versions, as docker version prints them.
 * The client's part is printed even when the server cannot be reached, which then exits 3.
 */
@Command(
    name = "version",
    mixinStandardHelpOptions = true,
    description = {
      "Shows the client's and the server's versions, protocol and storage driver, as docker"
          + " version does.",
      "Fields for --format: .Client.Version .Server.Version, or json."
    })
final class VersionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = {"-f", "--format"},
      paramLabel = "FORMAT",
      description = "json, or a template such as '{{.Server.Version}}'.")
  String format;

  @Override
  public Integer call() throws Exception {
    StrataCli cli = (StrataCli) spec.root().userObject();
    return show(cli.terminal().out(), cli.json(), format, cli::connect);
  }

  /** The client's version (the server's is {@code Version.VERSION} of the store, the same). */
  static String clientVersion() {
    return "0.1.0";
  }

  /**
   * Prints the versions on {@code out} as {@code json} and {@code format} ask, the server's from
   * the connection {@code connect} opens: the one report of {@code version} and of the quick path
   * ({@link QuickCommand}). A server that cannot be reached is thrown after the client's part.
   */
  static int show(PrintStream out, boolean json, String format, Connect.Opener connect)
      throws IOException {
    Map<String, Object> client = new LinkedHashMap<>();
    client.put("Version", clientVersion());
    client.put("GitCommit", BuildInfo.CURRENT.commit());
    client.put("Committed", BuildInfo.CURRENT.committed());
    client.put("ProtocolVersion", Wire.VERSION);
    client.put("JavaVersion", System.getProperty("java.version"));
    client.put("Os", System.getProperty("os.name").toLowerCase(Locale.ROOT));
    client.put("Arch", System.getProperty("os.arch"));
    Map<String, Object> version = new LinkedHashMap<>();
    version.put("Client", client);
    StrataClientException unreachable = null;
    try (StrataClient c = connect.open()) {
      InfoReply info = c.info();
      Map<String, Object> server = new LinkedHashMap<>();
      server.put("Version", info.version());
      // a server before session 27 does not say; "unknown" rather than a blank
      server.put("GitCommit", info.commit() == null ? "unknown" : info.commit());
      server.put("Committed", info.committed() == null ? "unknown" : info.committed());
      server.put("Name", c.serverName());
      server.put("ProtocolVersion", Wire.VERSION);
      server.put("Driver", info.driver());
      server.put("DataRoot", info.dataRoot());
      version.put("Server", server);
    } catch (StrataClientException e) {
      unreachable = e;
      version.put("Server", null);
    }
    print(out, json, format, version);
    if (unreachable != null) {
      throw unreachable;
    }
    return ExitStatus.OK;
  }

  @SuppressWarnings("unchecked")
  private static void print(
      PrintStream out, boolean json, String format, Map<String, Object> version) {
    if (json || "json".equals(format)) {
      out.println(Template.json(version));
      return;
    }
    if (format != null) {
      out.println(VersionTemplate.apply(format, version));
      return;
    }
    out.println("Client:");
    ((Map<String, Object>) version.get("Client"))
        .forEach((k, v) -> out.println(" " + k + ": " + v));
    if (version.get("Server") != null) {
      out.println();
      out.println("Server:");
      ((Map<String, Object>) version.get("Server"))
          .forEach((k, v) -> out.println(" " + k + ": " + v));
    }
  }

  /** {@code {{.Client.Version}}}-style fields of the nested version map. */
  static final class VersionTemplate {
    private static final List<String> SERVER_FIELDS =
        List.of(
            "Version", "GitCommit", "Committed", "Name", "ProtocolVersion", "Driver", "DataRoot");

    private VersionTemplate() {}

    @SuppressWarnings("unchecked")
    static String apply(String format, Map<String, Object> version) {
      Map<String, Object> flat = new LinkedHashMap<>();
      ((Map<String, Object>) version.get("Client")).forEach((k, v) -> flat.put("Client" + k, v));
      Map<String, Object> server = (Map<String, Object>) version.get("Server");
      for (String k : SERVER_FIELDS) {
        flat.put("Server" + k, server == null ? null : server.get(k));
      }
      String text =
          format.replaceAll("\\{\\{\\s*\\.(Client|Server)\\.([A-Za-z]+)\\s*}}", "{{.$1$2}}");
      return new Template(text, List.copyOf(flat.keySet())).apply(flat);
    }
  }
}
