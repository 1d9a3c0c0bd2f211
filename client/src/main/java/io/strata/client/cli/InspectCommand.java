package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.StrataClientException;
import io.strata.protocol.Status;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code strata inspect [--type container|image] [-s] [-f FORMAT] NAME...}, also {@code strata
 * container inspect} and {@code strata image inspect}: docker's JSON array, or one line per object
 * with {@code -f}. Names are looked up as containers, then as images, unless the type is given.
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
      "Prints containers and images as docker inspect does: a JSON array of objects with docker's"
          + " keys (Id, RepoTags, RootFS, Config, GraphDriver; containers State, Mounts, SizeRw).",
      "A name is looked up as a container, then as an image, unless --type says which."
    })
final class InspectCommand extends ClientCommand {
  @Parameters(paramLabel = "NAME", arity = "1..*", description = "Names or ids.")
  List<String> names;

  @Option(
      names = "--type",
      paramLabel = "TYPE",
      description = "container or image (default: either; image inspect: image).")
  String type;

  @Option(
      names = {"-s", "--size"},
      description =
          "Add SizeRw and SizeRootFs to containers, and the driver's own space figures to"
              + " GraphDriver.Data (btrfs: filesystem du and qgroup usage; zfs: used, referenced,"
              + " written).")
  boolean size;

  @Option(
      names = {"-f", "--format"},
      paramLabel = "FORMAT",
      description = "A template per object, such as '{{.State.Status}}' or '{{json .Config}}'.")
  String format;

  /** The type {@code image inspect} and {@code container inspect} imply. */
  String implied() {
    String parent = spec.parent() == null ? "" : spec.parent().name();
    return switch (parent) {
      case "image" -> "image";
      case "container" -> "container";
      default -> null;
    };
  }

  @Override
  void checkArguments() {
    if (type == null) {
      type = implied();
    }
    if (type != null && !type.equals("container") && !type.equals("image")) {
      throw new ParameterException(
          spec.commandLine(), "--type " + type + ": expected container or image");
    }
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    DockerInspect docker = new DockerInspect(client);
    List<Map<String, Object>> found = new ArrayList<>();
    boolean[] failedOtherwise = {false};
    int code =
        EachArgument.run(
            cli,
            names,
            name -> {
              Map<String, Object> object;
              try {
                object = lookUp(docker, name);
              } catch (StrataClientException e) {
                failedOtherwise[0] |= e.status() != Status.NOT_FOUND;
                throw e;
              }
              found.add(object);
              if (format != null) {
                List<String> fields = new ArrayList<>(object.keySet());
                if (!fields.contains("Created")) {
                  fields.add("Created"); // left out when unknown: <no value>, as docker prints it
                }
                cli.terminal().out().println(new Template(format, fields).apply(object));
              }
            });
    if (format == null && printsArray(found.size(), failedOtherwise[0])) {
      if (found.isEmpty()) {
        cli.terminal().out().println("[]"); // docker's, where the pretty printer writes "[ ]"
      } else {
        cli.printJson(found);
      }
    }
    return code;
  }

  /**
   * Whether the JSON array is printed: docker prints {@code []} when every name is missing, but
   * nothing when a request failed otherwise (a server error, a bucket out of reach), where an empty
   * array would read as "no such object" to a script.
   */
  static boolean printsArray(int found, boolean failedOtherwise) {
    return found > 0 || !failedOtherwise;
  }

  private Map<String, Object> lookUp(DockerInspect docker, String name) throws IOException {
    if ("image".equals(type)) {
      return docker.image(name);
    }
    try {
      return docker.container(name, size);
    } catch (StrataClientException e) {
      if (e.status() != Status.NOT_FOUND || "container".equals(type)) {
        throw e;
      }
    }
    try {
      return docker.image(name);
    } catch (StrataClientException e) {
      if (e.status() == Status.NOT_FOUND) {
        throw new StrataClientException(Status.NOT_FOUND, "no such object: " + name, e);
      }
      throw e;
    }
  }
}
