package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.VolumeItem;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code strata volume create|ls|inspect|rm}. */
final class VolumeCommands {
  private VolumeCommands() {}

  /** {@code volume create [NAME]}. */
  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description =
          "Creates a volume and prints its name; without NAME an anonymous one (64 hex digits). An"
              + " existing volume is left as it is.")
  static final class Create extends ClientCommand {
    @Parameters(
        paramLabel = "NAME",
        arity = "0..1",
        description = "[a-zA-Z0-9][a-zA-Z0-9_.-]+ (default: generated).")
    String name;

    @Override
    int run(StrataClient client, StrataCli cli) throws Exception {
      VolumeItem v = client.createVolume(name);
      if (cli.json()) {
        cli.printJson(v);
      } else {
        cli.terminal().out().println(v.name());
      }
      return ExitStatus.OK;
    }
  }

  /** {@code volume ls}. */
  @Command(
      name = "ls",
      aliases = "list",
      mixinStandardHelpOptions = true,
      description = {
        "Lists volumes: VOLUME NAME SIZE IN USE (whether a container mounts it).",
        "Filters: name=SUBSTRING, dangling=true|false|1|0 (no container mounts it).",
        "Fields for --format: .Name .Driver .Size .InUse .Mountpoint .CreatedAt."
      })
  static final class ListVolumes extends ClientCommand {
    @Mixin ListingOptions listing;

    /** The volume table of {@code volume ls} and {@code system df -v}. */
    static void print(PrintStream out, List<VolumeItem> items) {
      Table t = new Table("VOLUME NAME", "SIZE", "IN USE");
      for (VolumeItem v : items) {
        t.row(v.name(), ByteSize.human(v.size()), v.inUse() ? "yes" : "no");
      }
      t.print(out);
    }

    @Override
    int run(StrataClient client, StrataCli cli) throws Exception {
      ListingOptions.Shape<VolumeItem> shape =
          new ListingOptions.Shape<VolumeItem>()
              .column("Name", "VOLUME NAME")
              .column("Size", "SIZE")
              .column("InUse", "IN USE")
              .field("Driver")
              .field("Mountpoint")
              .field("CreatedAt")
              .filter("name", (v, f) -> v.name().contains(f))
              .filter("dangling", (v, f) -> v.inUse() != BooleanFilter.value("dangling", f));
      shape.idField = "Name";
      shape.row =
          v -> {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("Name", v.name());
            r.put("Size", ByteSize.human(v.size()));
            r.put("InUse", v.inUse() ? "yes" : "no");
            r.put("Driver", "local");
            r.put("Mountpoint", v.mountpoint());
            r.put("CreatedAt", v.created());
            return r;
          };
      BooleanFilter.check(listing.filters, "dangling");
      listing.print(cli, listing.filter(client.volumes(), shape), shape);
      return ExitStatus.OK;
    }
  }

  /**
   * {@code volume inspect NAME...}: docker's array of objects; with {@code --json} Strata's keys
   * (SPEC: an object for one NAME, an array for several).
   */
  @Command(
      name = "inspect",
      mixinStandardHelpOptions = true,
      description = {
        "Prints volumes as docker volume inspect does: a JSON array of objects with docker's keys"
            + " CreatedAt, Driver, Labels, Mountpoint (the directory on the server's host), Name,"
            + " Options, Scope, and Strata's Size and InUse; [] when none is found.",
        "With --json Strata's keys instead: name, mountpoint, inUse, size, created; one NAME"
            + " prints an object, several an array.",
        "-f prints a line per volume from docker's fields: .Name .Driver .Mountpoint .CreatedAt"
            + " .Labels .Options .Scope, and Strata's .Size .InUse; -f json prints the array on one"
            + " line."
      })
  static final class Inspect extends ClientCommand {
    @Parameters(paramLabel = "NAME", arity = "1..*", description = "Volume names.")
    List<String> names;

    @Option(
        names = {"-f", "--format"},
        paramLabel = "FORMAT",
        description = "A template per volume, such as '{{.Mountpoint}}', or json.")
    String format;

    @Override
    int run(StrataClient client, StrataCli cli) throws Exception {
      PrintStream out = cli.terminal().out();
      if (format != null && !format.strip().equals("json")) {
        Template t = new Template(format, FIELDS);
        return EachArgument.run(
            cli, names, n -> out.println(t.apply(docker(client.inspectVolume(n)))));
      }
      List<VolumeItem> found = new ArrayList<>();
      int code = EachArgument.run(cli, names, n -> found.add(client.inspectVolume(n)));
      if (format != null) {
        out.println(Template.json(found.stream().map(VolumeCommands::docker).toList()));
      } else if (!cli.json()) {
        if (found.isEmpty()) {
          out.println("[]"); // docker's, where the pretty printer writes "[ ]"
        } else {
          cli.printJson(found.stream().map(VolumeCommands::docker).toList());
        }
      } else if (names.size() == 1) {
        if (!found.isEmpty()) {
          cli.printJson(found.get(0));
        }
      } else {
        cli.printJson(found);
      }
      return code;
    }
  }

  /** The fields of {@link #docker}. */
  static final List<String> FIELDS =
      List.of(
          "CreatedAt",
          "Driver",
          "Labels",
          "Mountpoint",
          "Name",
          "Options",
          "Scope",
          "Size",
          "InUse");

  /**
   * One volume as {@code volume inspect} and {@code inspect} print it: its fields under docker's
   * names.
   */
  static Map<String, Object> docker(VolumeItem v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("CreatedAt", v.created());
    m.put("Driver", "local");
    m.put("Labels", Map.of());
    m.put("Mountpoint", v.mountpoint());
    m.put("Name", v.name());
    m.put("Options", Map.of());
    m.put("Scope", "local");
    m.put("Size", v.size());
    m.put("InUse", v.inUse());
    return m;
  }

  /** {@code volume rm NAME...}. */
  @Command(
      name = "rm",
      mixinStandardHelpOptions = true,
      description = {
        "Removes volumes and their files. A volume a container mounts is refused (exit 1).",
        "Prints each name removed; a failure is reported and the rest are still removed."
      })
  static final class Remove extends ClientCommand {
    @Parameters(paramLabel = "NAME", arity = "1..*", description = "Volume names.")
    List<String> names;

    @Override
    int run(StrataClient client, StrataCli cli) throws Exception {
      List<Map<String, String>> removed = new ArrayList<>();
      int code =
          EachArgument.run(
              cli,
              names,
              n -> {
                client.removeVolume(n);
                removed.add(Map.of("name", n));
                if (!cli.json()) {
                  cli.terminal().out().println(n);
                }
              });
      if (cli.json()) {
        cli.printJson(removed);
      }
      return code;
    }
  }
}
