package org.multiprocessing4j.internal.pool;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.ProcessOptions;
import org.multiprocessing4j.ProcessTarget;

/**
 * Implemented by a context whose process pools are not local ones (the RabbitMQ context): {@link
 * org.multiprocessing4j.ProcessPoolExecutor.Builder} asks it for the pool's engine instead of
 * making a {@link ProcessPoolEngine}.
 */
public interface PoolEngineFactory {

  /**
   * What a pool builder was told.
   *
   * @param workers local worker processes; 0 only where the factory allows a submit-only client
   * @param poolName the pool's name, or null for the factory's default
   * @param options how local workers are launched, or null for the context's defaults
   * @param initializer code each local worker runs first, or null
   * @param maxTasksPerChild 0 for no limit
   * @param taskTimeout the default task timeout, or null for none
   * @param retries how often a task whose worker died is run again
   * @param namePrefix the local workers' name prefix, or null
   */
  record Spec(
      int workers,
      @Nullable String poolName,
      @Nullable ProcessOptions options,
      @Nullable ProcessTarget initializer,
      int maxTasksPerChild,
      @Nullable Duration taskTimeout,
      int retries,
      @Nullable String namePrefix) {}

  /**
   * Makes the engine of a pool.
   *
   * @param spec the builder's settings
   * @return the engine, already started
   * @throws IllegalArgumentException if the settings do not fit this kind of pool
   */
  PoolEngine poolEngine(Spec spec);

  /**
   * Checks the name of a distributed pool, which becomes part of broker queue names.
   *
   * @param name the name
   * @return the name
   * @throws IllegalArgumentException if it is not 1 to 100 letters, digits, '.', '-' or '_'
   */
  static String checkPoolName(String name) {
    java.util.Objects.requireNonNull(name, "name");
    if (!name.matches("[A-Za-z0-9._-]{1,100}")) {
      throw new IllegalArgumentException(
          "a pool name must be 1 to 100 letters, digits, '.', '-' or '_', got: \"" + name + "\"");
    }
    return name;
  }
}
