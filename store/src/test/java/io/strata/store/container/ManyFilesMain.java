package io.strata.store.container;

import io.strata.store.driver.ChangeStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One step of {@link ManyFilesMemoryTest}, in a JVM of its own so that its heap can be small:
 * {@code make DATA DIRS FILES} makes image {@code base:1} and container {@code m} with DIRS × FILES
 * new small files; {@code diff}, {@code ps} and {@code commit DATA} run that request once and print
 * what it found. Exit 0 on success; an OutOfMemoryError ends the JVM with another status.
 */
final class ManyFilesMain {
  private ManyFilesMain() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[1]);
    long t0 = System.nanoTime();
    try (ContainerFixture fix = new ContainerFixture(data, List.of())) {
      ContainerStore containers = fix.containers();
      switch (args[0]) {
        case "make" -> {
          Path base = Files.createDirectories(data.resolveSibling("base"));
          Files.writeString(base.resolve("hello"), "hello\n");
          fix.images().importPath(base.toString(), "base:1");
          containers.create("base:1", "m1", List.of());
          int dirs = Integer.parseInt(args[2]);
          int files = Integer.parseInt(args[3]);
          byte[] b = "x\n".getBytes(StandardCharsets.UTF_8);
          for (int d = 0; d < dirs; d++) {
            String dir = "/copy/some-longer-directory-name-" + d;
            containers.change(
                "m1",
                v -> {
                  v.mkdirs(dir, 0755);
                  for (int f = 0; f < files; f++) {
                    v.write(dir + "/a-small-file-with-a-name-" + f + ".txt", 0, b, 0, b.length);
                  }
                  return null;
                });
          }
          System.out.println("made");
        }
        case "diff" -> {
          long n = 0;
          try (ChangeStream changes = containers.diffStream("m1")) {
            for (; changes.hasNext(); changes.next()) {
              n++;
            }
          }
          System.out.println("diff " + n);
        }
        case "ps" -> {
          var row = containers.list().get(0);
          System.out.println("ps " + row.size());
        }
        case "commit" -> System.out.println("commit " + containers.commit("m1", "m:c"));
        default -> throw new IllegalArgumentException(args[0]);
      }
    }
    System.out.println("ms " + (System.nanoTime() - t0) / 1_000_000);
  }
}
