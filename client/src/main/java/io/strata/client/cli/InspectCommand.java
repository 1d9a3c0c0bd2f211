package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.client.StrataClientException;
import io.strata.protocol.Status;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code strata inspect [--type container|image|volume] [-s] [-f FORMAT|json] NAME...}, also {@code
 * strata container inspect} and {@code strata image inspect}: docker's JSON array (on one line with
 * {@code -f json}), or one line per object with a template. Names are looked up as containers, then
 * as images, then as volumes (docker's order), unless the type is given.
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
      "Prints containers, images and volumes as docker inspect does: a JSON array of objects with"
          + " docker's keys (Id, RepoTags, RootFS, Config, GraphDriver; containers State, Mounts,"
          + " SizeRw; volumes Name, Driver, Mountpoint, as volume inspect prints them).",
      "A name is looked up as a container, then as an image, then as a volume, unless --type says"
          + " which."
    })
final class InspectCommand extends ClientCommand {
  /** The names a volume can have (the server's rule). */
  private static final Pattern VOLUME_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]+");

  @Parameters(paramLabel = "NAME", arity = "1..*", description = "Names or ids.")
  List<String> names;

  @Option(
      names = "--type",
      paramLabel = "TYPE",
      description = "container, image or volume (default: any; image inspect: image).")
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
      description =
          "A template per object, such as '{{.State.Status}}' or '{{json .Config}}', or json: the"
              + " array on one line.")
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
    if (type != null && !List.of("container", "image", "volume").contains(type)) {
      throw new ParameterException(
          spec.commandLine(), "--type " + type + ": expected container, image or volume");
    }
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    DockerInspect docker = new DockerInspect(client);
    // docker's -f json: the objects as JSON, not a template whose text is the word json
    boolean json = format != null && format.strip().equals("json");
    String template = json ? null : format;
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
              if (template != null) {
                List<String> fields = new ArrayList<>(object.keySet());
                if (!fields.contains("Created")) {
                  fields.add("Created"); // left out when unknown: <no value>, as docker prints it
                }
                cli.terminal().out().println(new Template(template, fields).apply(object));
              }
            });
    if (template == null && printsArray(found.size(), failedOtherwise[0])) {
      if (found.isEmpty()) {
        cli.terminal().out().println("[]"); // docker's, where the pretty printer writes "[ ]"
      } else if (json) {
        cli.terminal().out().println(Template.json(found));
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
    if ("volume".equals(type)) {
      return docker.volume(name);
    }
    try {
      return docker.container(name, size);
    } catch (StrataClientException e) {
      if (e.status() != Status.NOT_FOUND || "container".equals(type)) {
        throw e;
      }
    }
    StrataClientException missing;
    try {
      return docker.image(name);
    } catch (StrataClientException e) {
      if (e.status() != Status.NOT_FOUND) {
        throw e;
      }
      missing = new StrataClientException(Status.NOT_FOUND, "no such object: " + name, e);
    }
    // a name no volume can have (x:1, an id prefix with a slash...) is not asked for
    if (!VOLUME_NAME.matcher(name).matches()) {
      throw missing;
    }
    try {
      return docker.volume(name);
    } catch (StrataClientException e) {
      if (e.status() == Status.NOT_FOUND) {
        throw missing;
      }
      throw e;
    }
  }
}
