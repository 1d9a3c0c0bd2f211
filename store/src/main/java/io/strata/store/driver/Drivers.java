package io.strata.store.driver;

import io.strata.store.error.InvalidArgumentException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Finds drivers on the class path. */
public final class Drivers {
  private Drivers() {}

  /** The names of the drivers available. */
  public static List<String> available() {
    List<String> names = new ArrayList<>();
    for (StorageDriverProvider p : ServiceLoader.load(StorageDriverProvider.class)) {
      names.add(p.name());
    }
    names.sort(null);
    return names;
  }

  /** Opens driver {@code name}. */
  public static StorageDriver open(String name, DriverContext context) throws IOException {
    for (StorageDriverProvider p : ServiceLoader.load(StorageDriverProvider.class)) {
      if (p.name().equals(name)) {
        return p.open(context);
      }
    }
    throw new InvalidArgumentException(
        "driver " + name + ": not available (found: " + available() + ")");
  }
}
